/**
 * The measurement board of scripts/response-mark-measure.ts, for the scripts that read saved copies against it
 * (response-mark-floors.ts, response-mark-queried.ts, response-mark-scores.ts): "measurement board <k>" under the fixed
 * measurement master key, scheme 2, its rate calibrated on MNIST test as `package --mark-reference` does, and its marked
 * inputs in the owner's pool (MNIST train + test).
 */
import { createHash } from 'crypto';
import { ratePpm } from '../../src/cli/option-parsers';
import { RESPONSE_MARK_DEFAULTS, ResponseMarkParams } from '../../src/package/response-mark';
import { decideCoarse, responseMarkKey } from '../../src/response-mark/decision';
import { loadMarkPool, MarkPool } from '../../src/response-mark/pool';
import { calibrateBoard, loadMarkReference } from '../../src/response-mark/reference';
import { dropThreshold } from '../../src/response-mark/verify';

export const MEASUREMENT_MASTER = createHash('sha256').update('edgelock response mark measurement master key').digest();

export interface MeasurementBoard {
  uid: Buffer;
  params: ResponseMarkParams;
  /** the calibrated rate, ppm */
  rate: number;
  pool: MarkPool;
  /** every pool input the board marks, with its keyed offset */
  marked: { i: number; offset: number }[];
}

export async function measurementBoard(base: Uint8Array, k: number, rate = '0.5%'): Promise<MeasurementBoard> {
  const params: ResponseMarkParams = { ratePpm: ratePpm(rate), ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };
  const uid = createHash('sha256').update(`measurement board ${k}`).digest().subarray(0, 16);
  const key = responseMarkKey(MEASUREMENT_MASTER, uid);
  try {
    const calibrated = calibrateBoard(
      key,
      params.ratePpm,
      await loadMarkReference(base, ['mnist-test'], params),
    ).ratePpm;
    const pool = await loadMarkPool(base, ['mnist-train', 'mnist-test'], params);
    const marked: { i: number; offset: number }[] = [];
    for (let i = 0; i < pool.count; i++) {
      const d = decideCoarse(key, calibrated, pool.coarse[i], pool.classes, true);
      if (d.marked) marked.push({ i, offset: d.offset });
    }
    return { uid, params, rate: calibrated, pool, marked };
  } finally {
    key.fill(0);
  }
}

/** The marked inputs verify counts: without the least sure 10% (verify.ts, dropThreshold). */
export async function countedMarks(b: MeasurementBoard): Promise<{ i: number; offset: number }[]> {
  const thr = await dropThreshold(b.pool, b.params, 0.1);
  const margins = b.pool.baseMargin(b.marked.map((m) => m.i));
  return b.marked.filter((_, j) => margins[j] >= thr);
}

/** The base model's answers on these marked inputs and their samples, for asking suspects. */
export function markedInputs(
  pool: MarkPool,
  sel: readonly { i: number }[],
): { idx: number[]; top: number[]; second: number[]; baseLog: ArrayLike<number>[]; x: Float32Array } {
  const idx = sel.map((m) => m.i);
  const size = pool.samples.length / pool.count;
  const x = new Float32Array(idx.length * size);
  idx.forEach((i, j) => x.set(pool.samples.subarray(i * size, (i + 1) * size), j * size));
  return { idx, top: pool.baseArgmax(idx), second: pool.baseRunnerUp(idx), baseLog: pool.baseLogProbs(idx), x };
}
