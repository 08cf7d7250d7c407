import { readFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { readTflite } from '../../src/tflite/reader';

test('the watermark record travels from ONNX metadata into the .tflite; other entries do not', async () => {
  const m = readOnnx(readFileSync(join(__dirname, '..', '..', 'models', 'mnist-mlp.onnx')));
  m.metadata['edgelock.watermark'] = '{"commitment":"abc"}';
  m.metadata['private.note'] = 'stays in ONNX';
  const r = await compileModel(writeOnnx(m), { precision: 'float32' });
  const md = readTflite(r.bytes).metadata;
  expect(md.find((x) => x.name === 'edgelock.watermark')?.text).toBe('{"commitment":"abc"}');
  expect(md.find((x) => x.name === 'private.note')).toBeUndefined();
});
