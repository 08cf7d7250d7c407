/**
 * The attacks a trigger-unit measurement runs on each board's copy (scripts/trace-units-measure.ts, trace-units-rgb.ts;
 * docs/security.md, "Trigger units"): re-quantised, pruned 50% per filter and globally, and fine-tuned on the thief's
 * 6,000 images for 2 and 5 epochs at lr 0.01 and 3 at lr 0.03. Each copy is made when the caller asks for it. Also
 * the thief's data: THIEF_SAMPLES consecutive samples of a labelled set.
 */
import { LabelledData } from '../../src/train/fit';
import { fineTune, requantize } from '../../src/trace/attacks';
import { pruneWeights } from '../../src/trace/prune';

/** the thief's 10% of MNIST train */
export const THIEF_SAMPLES = 6000;

/** `THIEF_SAMPLES` samples of `x` (each `size` values) and their labels, from sample `from` on */
export function thiefWindow(x: Float32Array, labels: ArrayLike<number>, size: number, from: number): LabelledData {
  return {
    x: x.subarray(from * size, (from + THIEF_SAMPLES) * size),
    labels: Int32Array.from({ length: THIEF_SAMPLES }, (_, j) => labels[from + j]),
    count: THIEF_SAMPLES,
  };
}

/** the fine-tunes of the attack list, [epochs, lr] */
const FINE_TUNES: readonly (readonly [number, number])[] = [
  [2, 0.01],
  [5, 0.01],
  [3, 0.03],
];

/** the attack list, or with `only` just those fine-tunes ([epochs, lr] each) */
export function* boardAttacks(
  board: Uint8Array,
  thief: LabelledData,
  seed: number,
  only?: readonly (readonly number[])[],
): Generator<[string, Uint8Array]> {
  if (!only) {
    yield ['  re-quantised', requantize(board)];
    for (const rule of ['filter', 'global'] as const) yield [`  pruned 50% (${rule})`, pruneWeights(board, 0.5, rule)];
  }
  for (const [epochs, lr] of only ?? FINE_TUNES)
    yield [`  fine-tuned ${epochs} epochs lr ${lr} on 6k`, fineTune(board, thief, { epochs, lr, seed })];
}
