/**
 * Real PyTorch exports (test/ops/fixtures, made by export_torch.py): they import, every value gets
 * a static shape (or the exporter's symbolic batch), and edgelock's own whole-graph evaluation
 * matches onnxruntime.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { toNumbers } from '../../src/ir/tensor';
import { inferShapes } from '../../src/ops/shape-inference';
import { readOnnx } from '../../src/onnx/reader';
import { randomFeeds, runOrt } from '../helpers/ort';
import { evaluateModel } from './graph-eval';

const FIXTURES = [
  'torch_dyn_cnn_opset11.onnx',
  'torch_dyn_cnn_opset13.onnx',
  'torch_block_opset13.onnx',
  'torch_block_opset17.onnx',
  'torch_kws1d_opset12.onnx',
];
const BATCH = 2;

test.each(FIXTURES)('%s: shapes inferred and reference evaluation equals onnxruntime', async (file) => {
  const bytes = readFileSync(path.join(__dirname, 'fixtures', file));
  const model = readOnnx(bytes, file);
  const inferred = inferShapes(model);
  for (const v of inferred.graph.valueInfo.values()) {
    expect({
      name: v.name,
      static: v.shape !== null && v.shape.every((d) => typeof d === 'number' || d === 'batch'),
    }).toEqual({ name: v.name, static: true });
  }
  const feeds = randomFeeds(model, 11, {}, BATCH);
  const ref = await runOrt(bytes, feeds);
  const mine = evaluateModel(model, feeds);
  for (const out of inferred.graph.outputs) {
    const r = ref[out.name];
    expect(out.shape!.map((d) => (d === 'batch' ? BATCH : d))).toEqual(r.dims);
    const want = Array.from(r.data as Float32Array);
    const got = toNumbers(mine[out.name]);
    expect(mine[out.name].shape).toEqual(r.dims);
    const range = Math.max(Math.max(...want) - Math.min(...want), 1e-3);
    const worst = Math.max(...want.map((x, i) => Math.abs(x - got[i])));
    expect(worst / range).toBeLessThanOrEqual(1e-5);
  }
});
