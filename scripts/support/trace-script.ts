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

/** An owner model with trigger units (a .tflite saved by trace-units-measure.ts --save-owner), its record, and MNIST. */
export function mnistOwner(path: string) {
  const owner = new Uint8Array(readFileSync(path));
  const record = unitsRecordOfTflite(owner);
  if (!record) throw new Error(`${path} has no trigger units`);
  const train = loadMnist('train');
  return {
    owner,
    record,
    K: record.units.length,
    train,
    test: loadMnist('test'),
    SIZE: train.images.length / train.count,
  };
}
