/**
 * The board path of verification. The host sends the seed material (signature and public
 * parameters) and the N unstamped base samples; the device regenerates the stamp itself (the
 * "positions" and "signs" streams of src/watermark/drbg.ts, docs/watermark.md), stamps the bases,
 * runs its installed model and answers the N predicted labels. Trigger images never travel and
 * the host keeps the label permutation. A transport implements DeviceTriggerPort: the serial
 * protocol (./device-protocol.ts, the firmware's WATERMARK_* commands) or, for host tests, the
 * device side written on the host (hostReferencePort).
 */
import { DeviceClient } from '../device/client';
import { ClassifierRunner } from './runners';
import { scoreLabels } from './score';
import { TriggerParams } from './params';
import { stamp, triggerPlan } from './triggers';
import { VerifyReport, VerifyRequest, checkRunnerFits, prepareTriggers, recordChecks, selectedBases } from './verify';
import { ProtocolPortOptions, protocolTriggerPort } from './device-protocol';
import { DeviceTriggerPort, DeviceTriggerRequest } from './device-port';

export { protocolTriggerPort } from './device-protocol';
export type { ProtocolTriggerPort, DeviceRunStats } from './device-protocol';
export type { DeviceTriggerPort, DeviceTriggerRequest } from './device-port';

export function deviceRequest(
  signature: Uint8Array,
  params: TriggerParams,
  bases: Float32Array,
  count: number,
): DeviceTriggerRequest {
  return {
    signature,
    positions: params.positions,
    delta: params.delta,
    range: params.range,
    sampleSize: params.sampleSize,
    bases,
    count,
  };
}

export interface DeviceVerifyRequest extends VerifyRequest, Omit<ProtocolPortOptions, 'onProgress'> {
  onProgress?: ProtocolPortOptions['onProgress'];
}

/**
 * Verification with the labels from a device: `target` is a connected board (the WATERMARK_* commands; the model
 * checked is the one in `req.slot`, default 0) or any DeviceTriggerPort. Same report as verifyWithRunner.
 */
export async function verifyOnDevice(
  target: DeviceClient | DeviceTriggerPort,
  req: DeviceVerifyRequest,
): Promise<VerifyReport> {
  const port =
    target instanceof DeviceClient
      ? protocolTriggerPort(target, { slot: req.slot, channels: req.channels, onProgress: req.onProgress })
      : target;
  const { plan, set } = prepareTriggers(req.signature, req.params, req.base);
  const bases = selectedBases(plan, req.params, req.base.data);
  const predicted = await port.runTriggers(deviceRequest(req.signature, req.params, bases, plan.bases.length));
  return { ...scoreLabels(predicted, set.labels, req.nullRate, req.alpha), ...recordChecks(req, plan) };
}

/**
 * The device side written on the host: what the firmware must compute, from only what the request
 * carries. A golden reference for the C port and a stand-in port for host tests.
 */
export function hostReferencePort(runner: ClassifierRunner, classes: number): DeviceTriggerPort {
  return {
    async runTriggers(r) {
      const params: TriggerParams = {
        triggers: 1,
        positions: r.positions,
        delta: r.delta,
        range: r.range,
        classes,
        baseCount: 1,
        sampleSize: r.sampleSize,
      };
      checkRunnerFits(runner, params);
      const plan = triggerPlan(r.signature, params); // only positions and signs are used
      const x = Float32Array.from(r.bases);
      for (let k = 0; k < r.count; k++) stamp(x.subarray(k * r.sampleSize, (k + 1) * r.sampleSize), plan, params);
      return runner.predict(x, r.count);
    },
  };
}
