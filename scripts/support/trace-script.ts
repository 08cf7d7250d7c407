/**
 * What the trace measurement scripts share: the fixed test trace key and the simulated
 * board uids (the same in every script, so their devices line up), a dot product, and an owner model with trigger
 * units read beside the MNIST sets.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../../src/data/mnist';
import { deriveTraceKey } from '../../src/keys/derive';
import { unitsRecordOfTflite } from '../../src/trace/units/board';
import { simulatedUid } from '../../test/helpers/mnist-boards';

/** the scripts' master key (a fixed test key) and the trace key derived from it */
export const SCRIPT_MASTER = Buffer.alloc(32, 0x5a);
export const scriptTraceKey = (): Uint8Array => deriveTraceKey(SCRIPT_MASTER);

/** simulated board i's uid */
export const scriptUid = (i: number): Buffer => Buffer.from(simulatedUid('ed9e', i), 'hex');

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** An MNIST split as a model for inputs (x − mean)/deviation takes it (`input` absent: pixels in [0, 1]). */
function mnistFor(split: 'train' | 'test', input?: readonly [number, number]) {
  const m = loadMnist(split);
  if (!input) return m;
  const [mean, deviation] = input;
  return { ...m, images: Float32Array.from(m.images, (v) => (v - mean) / deviation) };
}

/** An owner model with trigger units (a .tflite saved by trace-units-measure.ts --save-owner, or compiled from
 * `edgelock trace-units`), its record, and MNIST as the model takes it (`input`: its mean and deviation). */
export function mnistOwner(path: string, input?: readonly [number, number]) {
  const owner = new Uint8Array(readFileSync(path));
  const record = unitsRecordOfTflite(owner);
  if (!record) throw new Error(`${path} has no trigger units`);
  const train = mnistFor('train', input);
  return {
    owner,
    record,
    K: record.units.length,
    train,
    test: mnistFor('test', input),
    SIZE: train.images.length / train.count,
  };
}
