/**
 * What the board path of verification asks of a device (src/watermark/device.ts): stamp the N base
 * samples itself from the seed material and answer the installed model's labels. Implemented by the
 * serial protocol (./device-protocol.ts) and by the host reference (hostReferencePort).
 */
export interface DeviceTriggerRequest {
  signature: Uint8Array;
  positions: number;
  delta: number;
  range: [number, number];
  sampleSize: number;
  /** N base samples in trigger order (unstamped). */
  bases: Float32Array;
  count: number;
}

export interface DeviceTriggerPort {
  /** Arg-max labels of the installed model on the N triggers the device stamped itself. */
  runTriggers(req: DeviceTriggerRequest): Promise<Int32Array>;
}
