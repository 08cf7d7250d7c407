/**
 * The scheme-aware thief's pruning (pruneDeadUnits, src/trace/attacks.ts) inside residual branches: on the zoo
 * ResNet-8, a filter of block 1's inner convolution made dead (its bias far below 0, so the ReLU after it never lets
 * it through) is found and removed, with every answer of the TFLite runtime unchanged; a filter of the block's second
 * convolution made as negative is kept, because its output is added to the shortcut before the ReLU, and removing it
 * changes what the model answers. Before 2026-12-07 the pruning looked at the outer chain only and removed neither.
 */
import { pruneDeadUnits } from '../../src/trace/attacks';
import { floatNetFromTflite, writeWeights } from '../../src/trace/float-net';
import { modelScores } from '../../src/trace/victims';
import { readTflite } from '../../src/tflite/reader';
import { weightTensors } from '../../src/trace/weight-tensors';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { compileOnTask, taskInputs } from '../helpers/synthetic-zoo';

const N = 200;

test('a dead filter inside a residual branch is removed; one whose output meets the shortcut first is kept', async () => {
  const base = await compileOnTask('cifar-resnet8');
  // block 1: weight tensor 1 is its inner convolution (a ReLU follows), 2 its second (added to the shortcut)
  const fn = floatNetFromTflite(base);
  const [inner, second] = [1, 2].map((w) => fn.bindings.find((b) => b.w === w)!);
  inner.bias.value[3] = -100;
  second.bias.value[5] = -100;
  const model = writeWeights(base, fn);
  const train = syntheticTask('cifar-resnet8', 'train', 500);
  const { model: pruned, removed } = pruneDeadUnits(model, {
    x: train.data,
    labels: Uint8Array.from(train.labels),
    count: train.count,
  });
  expect(removed).toBe(1); // the zoo model has no dead filter of its own (0 of its carriers lack a gradient)
  const info = readTflite(pruned);
  const wt = weightTensors(info);
  const weightsOf = (w: number) => new Int8Array(pruned.buffer, pruned.byteOffset + wt[w].at, wt[w].count);
  const row = (w: number, u: number) => Array.from(weightsOf(w).subarray(u * 144, (u + 1) * 144));
  expect(wt[1].count).toBe(16 * 144);
  expect(row(1, 3).every((v) => v === 0)).toBe(true);
  expect(row(2, 5).some((v) => v !== 0)).toBe(true);
  // the thief's copy answers as the model did, on his data and on inputs he never used
  const held = taskInputs(pruned, 'cifar-resnet8', 'test', N);
  expect(Array.from(await modelScores(pruned, held, N))).toEqual(Array.from(await modelScores(model, held, N)));
}, 120_000);
