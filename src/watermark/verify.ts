/**
 * Black-box verification: regenerate the owner's triggers from the signature and the base data,
 * query the model, score the matches against the null rate, and check the commitment and the
 * base-data digest when the model carries a watermark record.
 */
import { EdgelockError } from '../errors';
import { ClassifierRunner } from './runners';
import { Score, scoreLabels } from './score';
import { commitment } from './signature';
import { TriggerPlan, TriggerSet, buildTriggers, triggerPlan } from './triggers';
import { TriggerParams } from './params';
import { WatermarkRecord, baseDigest } from './metadata';

export interface BaseData {
  /** baseCount samples, one after another, in the model's (ONNX) input layout. */
  data: Float32Array;
  labels: ArrayLike<number>;
  count: number;
}

export interface VerifyRequest {
  signature: Uint8Array;
  params: TriggerParams;
  /** The model's watermark record (null when the file carries none, e.g. a .tflite compiled without it). */
  record: WatermarkRecord | null;
  base: BaseData;
  nullRate: number;
  alpha?: number;
}

export interface VerifyReport extends Score {
  /** SHA-256(signature ‖ model id) against the record: the claimant's signature was committed at embedding. */
  commitment: 'match' | 'mismatch' | 'absent';
  /** Digest of the selected base samples against the record: the same base data was used. */
  baseData: 'match' | 'mismatch' | 'unchecked';
  modelId?: string;
}

export interface PreparedTriggers {
  plan: TriggerPlan;
  set: TriggerSet;
}

export function prepareTriggers(signature: Uint8Array, params: TriggerParams, base: BaseData): PreparedTriggers {
  if (base.count !== params.baseCount) {
    throw new EdgelockError(
      'E_WATERMARK_DATA',
      `the base data has ${base.count} samples; the watermark's indices were drawn from ${params.baseCount}`,
    );
  }
  const plan = triggerPlan(signature, params);
  return { plan, set: buildTriggers(plan, params, base.data, base.labels) };
}

/** The unstamped base samples in trigger order. */
export function selectedBases(plan: TriggerPlan, params: TriggerParams, data: Float32Array): Float32Array {
  const size = params.sampleSize;
  const out = new Float32Array(plan.bases.length * size);
  plan.bases.forEach((b, k) => out.set(data.subarray(b * size, (b + 1) * size), k * size));
  return out;
}

export function recordChecks(
  req: VerifyRequest,
  plan: TriggerPlan,
): Pick<VerifyReport, 'commitment' | 'baseData' | 'modelId'> {
  const r = req.record;
  if (!r) return { commitment: 'absent', baseData: 'unchecked' };
  // The base digest is keyed by the signature: it can only be checked for the committed signature.
  if (commitment(req.signature, r.modelId) !== r.commitment)
    return { commitment: 'mismatch', baseData: 'unchecked', modelId: r.modelId };
  const digest = baseDigest(req.signature, selectedBases(plan, req.params, req.base.data));
  return { commitment: 'match', baseData: digest === r.baseDigest ? 'match' : 'mismatch', modelId: r.modelId };
}

export function checkRunnerFits(runner: ClassifierRunner, params: TriggerParams): void {
  const size = runner.sampleShape.reduce((a, b) => a * b, 1);
  if (size !== params.sampleSize)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `the model takes ${size} values per sample, the watermark was made for ${params.sampleSize}`,
    );
  if (runner.classes !== params.classes)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `the model has ${runner.classes} classes, the watermark was made for ${params.classes}`,
    );
}

export async function verifyWithRunner(runner: ClassifierRunner, req: VerifyRequest): Promise<VerifyReport> {
  checkRunnerFits(runner, req.params);
  const { plan, set } = prepareTriggers(req.signature, req.params, req.base);
  const predicted = await runner.predict(set.x, plan.bases.length);
  return { ...scoreLabels(predicted, set.labels, req.nullRate, req.alpha), ...recordChecks(req, plan) };
}
