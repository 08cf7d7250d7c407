/**
 * Hardening at the board boundary (issue 11), against the real host-sim firmware:
 *  - `device run` feeds a model compiled with `--io float` its float32 input (elements, not bytes) and reads its
 *    float32 outputs; the board's answer equals the official TFLite runtime's on the same model and input
 *    (single-rounding firmware flavour: bit-exact with the TFLite runtime; with the development upload);
 *  - one process per serial port: while one process holds a board's port, a second edgelock process is refused
 *    (the lock file: E_DEVICE_PORT_BUSY; without it, serialport's flock: E_DEVICE_PORT), and gets it once released.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { DeviceClient } from '../../src/device/client';
import { lockFileFor } from '../../src/device/port-lock';
import { makeTensor } from '../../src/ir/tensor';
import { runTflite } from '../../src/tflite/oracle';
import { ROOT, runCli } from '../helpers/cli';
import { freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';
import { startBoard } from '../../src/board';

const work = freshStateDir('hardening-work');

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

test('device run on a --io float model: float32 input of the right shape runs, outputs equal the official runtime', async () => {
  const tfl = path.join(work, 'mlp-float-io.tflite');
  const c = runCli([
    'compile',
    path.join(ROOT, 'models', 'mnist-mlp.onnx'),
    '-o',
    tfl,
    '--int8',
    '--io',
    'float',
    '--calib',
    'mnist-train',
    '--json',
  ]);
  expect(c.stderr).toBe('');
  expect(JSON.parse(c.stdout).inputs[0]).toMatchObject({ dtype: 'float32', shape: [1, 28, 28, 1] });
  const m = loadMnist('test');
  const image = m.images.slice(0, 784);
  const npy = path.join(work, 'x.npy');
  writeNpy(npy, makeTensor('float32', [1, 28, 28, 1], image));
  const board = await startBoard({
    board: 'host-sim',
    stateDir: freshStateDir('float-io'),
    flavour: 'single-rounding,dev',
  }); // dev: the test uploads with load-dev
  expect(runCli(['device', 'load-dev', '--port', board.port, tfl]).status).toBe(0);
  const r = runCli(['device', 'run', '--port', board.port, '--input', npy, '--json']);
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout).outputs[0];
  expect(out).toMatchObject({ shape: [1, 10], dtype: 'float32' });
  const [ref] = await runTflite(fs.readFileSync(tfl), [{ data: image, shape: [1, 28, 28, 1] }]);
  expect(out.values).toEqual(Array.from(ref.data));
  expect(out.values.indexOf(Math.max(...out.values))).toBe(m.labels[0]);
  // a wrongly shaped float32 input is still refused, counted in elements
  const wrong = path.join(work, 'x-wrong.npy');
  writeNpy(wrong, makeTensor('float32', [1, 392], image.slice(0, 392)));
  const w = runCli(['device', 'run', '--port', board.port, '--input', wrong]);
  expect(w.stderr.trim()).toBe(
    `error E_DATA_SHAPE: ${wrong} has 392 elements (shape [1,392]), the model input [1,28,28,1] has 784 (file '${wrong}')`,
  );
});

test('a second process cannot talk to a board another process holds', async () => {
  const board = await startTestBoard('host-sim');
  const holder = await DeviceClient.open(board.port);
  try {
    expect((await holder.info()).board).toBe('host-sim');
    const busy = runCli(['device', 'info', '--port', board.port]);
    expect(busy.status).toBe(1);
    expect(busy.stderr.trim()).toBe(
      `error E_DEVICE_PORT_BUSY: ${board.port} is in use by another edgelock process (pid ${process.pid}); ` +
        `nothing was sent; hint: wait for the other command or station to finish`,
    );
    // with the lock file out of the way (another lock directory), serialport's own exclusive lock still refuses
    const flock = runCli(['device', 'info', '--port', board.port], {
      env: { EDGELOCK_LOCK_DIR: freshStateDir('other-locks') },
    });
    expect(flock.status).toBe(1);
    expect(flock.stderr).toMatch(/^error E_DEVICE_PORT: cannot open .*lock/i);
    // the holder still works
    expect((await holder.info()).board).toBe('host-sim');
  } finally {
    await holder.close();
  }
  expect(fs.existsSync(lockFileFor(board.port))).toBe(false);
  expect(runCli(['device', 'info', '--port', board.port, '--json']).status).toBe(0);
  // a lock left by a process that died is taken over
  fs.writeFileSync(lockFileFor(board.port), '999999999\n');
  expect(runCli(['device', 'info', '--port', board.port, '--json']).status).toBe(0);
  expect(fs.existsSync(lockFileFor(board.port))).toBe(false);
});
