import { DeviceClient } from './client';

export interface TransferStats {
  bytes: number;
  /** bytes on the wire in both directions (frames, COBS, delimiters, answers, retries) */
  wireBytes: number;
  /** bytes / wireBytes */
  efficiency: number;
  /** request/answer exchanges, retries not counted */
  roundTrips: number;
  retries: number;
  seconds: number;
}

/**
 * Uploads a model into a slot (development load) and reports protocol efficiency, for benchmarks.
 * The firmware validates what it receives, so `model` must be a model its runtime accepts.
 */
export async function measureTransfer(client: DeviceClient, model: Uint8Array, slot = 1): Promise<TransferStats> {
  const data = Buffer.from(model);
  const size = data.length;
  const s0 = { ...client.transport.stats };
  const t0 = process.hrtime.bigint();
  await client.loadModelDev(data, slot);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = client.transport.stats;
  const wireBytes = s.bytesSent - s0.bytesSent + s.bytesReceived - s0.bytesReceived;
  return {
    bytes: size,
    wireBytes,
    efficiency: size / wireBytes,
    roundTrips: s.requests - s0.requests,
    retries: s.retries - s0.retries,
    seconds,
  };
}
