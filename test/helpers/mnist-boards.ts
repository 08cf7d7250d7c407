/**
 * Shared by the trace tests and measurement scripts: uids of simulated provisioned boards, and the top-1 accuracy
 * of a .tflite classifier on the MNIST test split (the official TFLite runtime, through `edgelock eval`'s code).
 */
import { evaluateModelFile } from '../../src/eval/evaluate';
import { loadLabelledSet } from '../../src/eval/labelled-data';

/** The uid (hex) of simulated board `i`: `prefix` (2 bytes of hex) in front, a multiplicative hash of i at the end. */
export function simulatedUid(prefix: string, i: number): string {
  const b = Buffer.alloc(16);
  b.write(prefix, 0, 'hex');
  b.writeUInt32BE((i * 2654435761) >>> 0, 12);
  return b.toString('hex');
}

/** Simulated boards 0..n-1 (distinct uids). */
export function simulatedUids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => simulatedUid(prefix, i));
}

/** Top-1 accuracy of `model` on the first `n` images of the MNIST test split. */
export async function mnistTestAccuracy(model: Uint8Array, n = 10000): Promise<number> {
  return (await evaluateModelFile(model, loadLabelledSet('mnist-test', undefined, n))).accuracy;
}
