import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runCli, ROOT } from '../helpers/cli';

const UID = '00112233445566778899aabbccddeeff';

/** A locked ONNX compiles only with its key; the locked .tflite works only when unlocked. */
test('compile of a locked model: refused without the key, correct with it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgelock-lockcli-'));
  const key = join(dir, 'master.key');
  const locked = join(dir, 'locked.onnx');
  const tfl = join(dir, 'locked.tflite');
  expect(runCli(['keygen', '-o', key]).status).toBe(0);
  expect(
    runCli(['lock', join(ROOT, 'models', 'mnist-mlp.onnx'), '-o', locked, '--key', key, '--device-uid', UID]).status,
  ).toBe(0);
  const refused = runCli(['compile', locked, '-o', tfl, '--int8', '--calib', 'mnist-train']);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/^error E_USAGE: .*locked model/);
  const ok = runCli([
    'compile',
    locked,
    '-o',
    tfl,
    '--int8',
    '--calib',
    'mnist-train',
    '--key',
    key,
    '--device-uid',
    UID,
  ]);
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  const withKey = JSON.parse(
    runCli(['eval', tfl, '--data', 'mnist-test', '--key', key, '--device-uid', UID, '--json']).stdout,
  );
  const noKey = JSON.parse(runCli(['eval', tfl, '--data', 'mnist-test', '--json']).stdout);
  expect(withKey.accuracy).toBeGreaterThan(0.97);
  expect(noKey.accuracy).toBeLessThan(0.2);
});
