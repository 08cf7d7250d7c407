/**
 * Trigger units read from emulated Cortex-M boards over the serial protocol (docs/security.md, "Trigger units"), the
 * whole chain through the built CLI as a factory runs it: `trace-units` makes the MLP's owner model, `lock
 * --model-key` seals it, `compile` carries the units record into the .tflite, `provision` gives each QEMU board its
 * device key, `package --trace` writes the board's keyed classes into the sealed model (unsealed, marked, resealed),
 * `flash` installs it (on the mps2-an505 the package is verified and its model unsealed and run in the secure image)
 * and `edgelock trace --port` names the board among 100 candidates from its decisions on 320 stamped inputs (16 units × 20). The same
 * owner model packaged without --trace carries no board's classes, and its units name nobody.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { QEMU_BOARDS, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { jsonLines, packageArgs, runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'el-units-board-'));
const key = join(dir, 'master.key');
const db = join(dir, 'factory.db');
const model = join(dir, 'owner.tflite');

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

beforeAll(() => {
  expect(runCli(['keygen', '-o', key]).status).toBe(0);
  const owner = join(dir, 'owner.onnx');
  const made = runCli(['trace-units', 'models/mnist-mlp.onnx', '-o', owner, '--key', key, '--data', 'mnist-train']);
  expect(made.stderr).toBe('');
  const locked = join(dir, 'locked.onnx');
  expect(runCli(['lock', owner, '-o', locked, '--key', key, '--model-key']).status).toBe(0);
  const calib = join(dir, 'calib.npy');
  writeNpy(calib, makeTensor('float32', [500, 1, 28, 28], loadMnist('train').images.slice(0, 500 * 784)));
  const c = runCli(['compile', locked, '--key', key, '--int8', '--calib', calib, '-o', model]);
  expect(c.stderr).toBe('');
  expect(c.status).toBe(0);
}, 300_000);

test.each(QEMU_BOARDS)(
  '%s: trace --port names the board from its trigger units among 100; unmarked, nobody',
  async (boardName) => {
    const { port } = await startTestBoard(boardName);
    const p = runCli(['provision', '--port', port, '--master-key', key, '--db', db, '--yes', '--json']);
    expect(p.stderr).toBe('');
    const events = jsonLines(p.stdout);
    expect(events.at(-1)!.result.outcome).toBe('written');
    const uid: string = events.at(-1)!.result.uid;
    expect(uid).toMatch(/^[0-9a-f]+$/);
    const devices = join(dir, `${boardName}.txt`);
    const others = Array.from({ length: 99 }, () => randomBytes(uid.length / 2).toString('hex'));
    writeFileSync(devices, [...others.slice(0, 30), uid, ...others.slice(30)].join('\n') + '\n');
    const flash = (name: string, counter: number, extra: string[]) => {
      const pkg = join(dir, `${boardName}-${name}.elp`);
      const r = runCli([...packageArgs(model, pkg, key, uid, { version: `1.0.${counter}`, counter }), ...extra]);
      expect(r.stderr).toBe('');
      expect(runCli(['flash', '--port', port, pkg]).status).toBe(0);
    };
    const trace = () => {
      const r = runCli([
        'trace',
        '--base',
        model,
        '--key',
        key,
        '--devices',
        devices,
        '--port',
        port,
        '--queries',
        '100',
        '--json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout);
    };

    flash('marked', 1, ['--trace', '--db', db]);
    const marked = trace();
    expect(marked.mode).toBe('black-box');
    // the board's int8 answers (TFLM on the board) to its stamps are its classes: 16 units × 20 stamped inputs
    expect(marked.units).toMatchObject({ uid, of: 320, units: 16, named: true });
    // measured 301 with the detector path (304 with least-used units); 16/16 units need far fewer, a guard at 90%
    expect(marked.units.matches).toBeGreaterThanOrEqual(288);

    flash('plain', 2, []);
    const plain = trace();
    expect(plain.units.named).toBe(false);
    // the family p-value is exact: at most 1e-3 for the best of 100 innocent boards has chance at most 1e-3
    expect(plain.units.log10P).toBeGreaterThan(-3);
    expect(plain.named).toEqual([]);
  },
  600_000,
);
