import { existsSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runCli } from '../helpers/cli';

/** The README's main job, end to end through the built CLI (few samples to stay quick). */
test('demo runs the main job on the default model', () => {
  const out = mkdtempSync(join(tmpdir(), 'edgelock-demo-'));
  const r = runCli(['demo', '--out', out, '--samples', '100', '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const res = JSON.parse(r.stdout);
  expect(res.floatAccuracy).toBeGreaterThan(0.95);
  expect(res.int8Accuracy).toBeGreaterThan(0.95);
  expect(res.agreement).toBeGreaterThanOrEqual(0.98);
  for (const f of ['model.opt.onnx', 'model.float.tflite', 'model.int8.tflite']) expect(existsSync(join(out, f))).toBe(true);
});
