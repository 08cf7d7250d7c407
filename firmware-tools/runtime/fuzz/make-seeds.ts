/** Writes the per-op test models (test/runtime/models.ts, models-export.ts) as a seed corpus for the fuzzer. */
import * as fs from 'fs';
import * as path from 'path';
import * as M from '../../../test/runtime/models';
import * as E from '../../../test/runtime/models-export';

const out = process.argv[2];
fs.mkdirSync(out, { recursive: true });
const seeds: M.TestModel[] = [
  M.conv2d(1, { inShape: [1, 6, 6, 2], outC: 3, k: [3, 3], stride: [1, 1], padding: 'SAME', activation: 1 }),
  M.conv2d(2, { inShape: [1, 6, 6, 2], outC: 2, k: [3, 3], stride: [2, 2], padding: 'VALID' }, true, 1),
  M.fullyConnected(3, 1, 8, 4, true, true),
  M.binary(4, 'ADD', [1, 2, 2, 3], [3]),
  M.binary(5, 'MUL', [1, 2, 2, 3], [1, 2, 2, 3]),
  M.binary(6, 'MAXIMUM', [2, 3], [2, 3]),
  M.pool(7, 'AVERAGE_POOL_2D', [1, 4, 4, 2], [2, 2], [2, 2], 'VALID'),
  M.pool(8, 'MAX_POOL_2D', [1, 4, 4, 2], [3, 3], [1, 1], 'SAME'),
  M.mean(9, [1, 3, 3, 2], true),
  M.unary(10, 'SOFTMAX', [1, 5]),
  M.unary(11, 'HARD_SWISH', [1, 4]),
  M.unary(12, 'LOGISTIC', [1, 4]),
  M.unary(13, 'LEAKY_RELU', [1, 4]),
  M.unary(14, 'RESHAPE', [1, 2, 2, 1], { outShape: [1, 4] }),
  M.concatenation(15, [[1, 2, 1], [1, 2, 2]], 2),
  M.pad(16, [1, 2, 2, 1], [[0, 0], [1, 1], [1, 1], [0, 0]]),
  M.pad(17, [1, 2, 2, 1], [[0, 0], [1, 0], [0, 1], [0, 0]], -128),
  M.transpose(18, [1, 2, 3, 2], [0, 3, 1, 2]),
  M.quantizeChain(19, [2, 4]),
  E.resize(20, 'RESIZE_NEAREST_NEIGHBOR', { inShape: [1, 2, 3, 2], outHW: [4, 5], alignCorners: true }),
  E.resize(21, 'RESIZE_BILINEAR', { inShape: [1, 3, 2, 2], outHW: [5, 4], halfPixelCenters: true }),
  E.resize(22, 'RESIZE_BILINEAR', { inShape: [1, 2, 2, 1], outHW: [3, 3], float: true }),
  E.transposeConv(23, { inShape: [1, 3, 3, 2], outC: 2, k: [3, 3], stride: [2, 2], padding: 'SAME' }),
  E.rsqrt(24, [1, 6], -128),
  E.slice(25, [1, 4, 4, 2], [0, 1, 1, 0], [1, 2, 3, 2]),
  E.floatUnary(26, 'SQRT', [1, 4]),
  E.floatDiv(27, [2, 3], [3], 1),
];
for (const s of seeds) fs.writeFileSync(path.join(out, `${s.name}.tflite`), s.model);
console.log(`${seeds.length} seeds in ${out}`);
