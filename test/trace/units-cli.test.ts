/**
 * Trigger units end to end through the CLI (docs/security.md, "Trigger units"): `edgelock trace-units` makes the
 * owner model once, `compile` carries its record into the .tflite, `package --trace` gives each board its classes,
 * and `edgelock trace` names the board a fine-tuned copy came from, black-box from its decisions and white-box from
 * its weights, beside the trace code; no secret reaches the output, the files or the factory log.
 */
import { createHash } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { deriveTraceKey } from '../../src/keys/derive';
import { decodePackage } from '../../src/package/decode';
import { FactoryDb } from '../../src/factory/db';
import { fineTune } from '../../src/trace/attacks';
import { simulatedUids } from '../helpers/mnist-boards';
import { packageArgs, runCli, keyDir } from '../helpers/cli';

const MASTER = createHash('sha256').update('edgelock trigger units cli test master').digest();
const train = loadMnist('train');
const uids = simulatedUids('7c11', 3);

test('trace-units, compile, package --trace and trace name the board of a fine-tuned copy', async () => {
  const { dir, key } = keyDir('el-units-', MASTER);
  const owner = join(dir, 'owner.onnx');
  const made = runCli([
    'trace-units',
    'models/mnist-mlp.onnx',
    '-o',
    owner,
    '--key',
    key,
    '--data',
    'mnist-train',
    '--json',
  ]);
  expect(made.stderr).toBe('');
  const record = JSON.parse(made.stdout);
  expect(record.units).toHaveLength(16);
  const calib = join(dir, 'calib.npy');
  writeNpy(calib, makeTensor('float32', [500, 1, 28, 28], train.images.slice(0, 500 * 784)));
  const model = join(dir, 'owner.tflite');
  expect(runCli(['compile', owner, '--int8', '--calib', calib, '-o', model]).status).toBe(0);
  const db = join(dir, 'factory.db');
  const pkgs = uids.map((uid, d) => {
    const out = join(dir, `${d}.elp`);
    const r = runCli([...packageArgs(model, out, key, uid), '--trace', '--db', db, '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).trace.units).toBe(16);
    return out;
  });
  // the factory log records that each package carries the 16 units (a count; never the classes)
  const log = await FactoryDb.open(db);
  expect((await log.traceCodes()).map((r) => r.units)).toEqual([16, 16, 16]);
  await log.close();
  // the thief fine-tunes board 2's model on 6,000 images of his own
  const thief = {
    x: train.images.subarray(30000 * 784, 36000 * 784),
    labels: train.labels.subarray(30000, 36000),
    count: 6000,
  };
  const leaked = join(dir, 'leaked.tflite');
  writeFileSync(leaked, fineTune(decodePackage(readFileSync(pkgs[2])).model, thief, { epochs: 2, lr: 0.01, seed: 5 }));
  const bb = runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', leaked, '--black-box', '--json']);
  expect(bb.status).toBe(0);
  const out = JSON.parse(bb.stdout);
  expect(out.units.uid).toBe(uids[2]);
  expect(out.units.named).toBe(true);
  expect(out.units).toMatchObject({ of: 320, units: 16 });
  expect(out.units.matches).toBeGreaterThanOrEqual(280);
  const text = runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', leaked, '--black-box']).stdout;
  expect(text).toMatch(
    new RegExp(`units +${uids[2]} +\\d+/320 decisions on stamped inputs \\(16 units × 20\\) carry its classes`),
  );
  expect(text).toContain(`verdict    leaked from board ${uids[2]}`);
  // the stamps on natural inputs the tracer chooses: 320 other MNIST test images; 40 are too few for 16 units × 20 votes
  const test10k = loadMnist('test');
  const stampNpy = (name: string, from: number, count: number) => {
    const file = join(dir, name);
    writeNpy(file, makeTensor('float32', [count, 1, 28, 28], test10k.images.slice(from * 784, (from + count) * 784)));
    return file;
  };
  const traceBb = (...extra: string[]) =>
    runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', leaked, ...extra]);
  const own = JSON.parse(traceBb('--black-box', '--stamp-images', stampNpy('own.npy', 5000, 320), '--json').stdout);
  expect(own.units).toMatchObject({ uid: uids[2], named: true });
  expect(own.units.matches).toBeGreaterThanOrEqual(280);
  // fewer stamped inputs per unit: 16 × 5
  const five = JSON.parse(traceBb('--black-box', '--stamp-votes', '5', '--json').stdout);
  expect(five.units).toMatchObject({ uid: uids[2], named: true, of: 80 });
  const few = traceBb('--black-box', '--stamp-images', stampNpy('few.npy', 5000, 40));
  expect(few.status).toBe(2);
  expect(few.stderr).toMatch(
    /^error E_USAGE: the base model's 16 trigger units are read on 320 stamped inputs, but '.*few\.npy' has 40\n$/,
  );
  const white = traceBb('--stamp-images', 'mnist-test');
  expect(white.status).toBe(2);
  expect(white.stderr).toMatch(/^error E_USAGE: --stamp-images is for a black-box trace/);
  // white-box: the package's model as dumped, read from its columns
  const dump = join(dir, 'dump.tflite');
  writeFileSync(dump, decodePackage(readFileSync(pkgs[0])).model);
  const wb = JSON.parse(runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', dump, '--json']).stdout);
  expect(wb.units).toMatchObject({ uid: uids[0], matches: 16, named: true });
  const traceKey = deriveTraceKey(MASTER);
  for (const bytes of [
    readFileSync(db),
    readFileSync(owner),
    readFileSync(model),
    Buffer.from(made.stdout + bb.stdout + text),
  ])
    for (const secret of [MASTER, traceKey]) {
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes(Buffer.from(secret.toString('hex')))).toBe(false);
    }
}, 900_000);

test('trace-units refuses settings that would break the model, with E_USAGE and nothing written', () => {
  const { dir, key } = keyDir('el-units-bad-', MASTER);
  const out = join(dir, 'owner.onnx');
  const base = ['trace-units', 'models/mnist-mlp.onnx', '-o', out, '--key', key, '--data', 'mnist-train'];
  // the MLP's penultimate layer has 64 units (at most half can be set aside); its input 784 values
  for (const extra of [
    ['--room', 'least-used', '--units', '40'],
    ['--pixels', '785'],
    ['--room', 'elsewhere'],
    ['--widen', '0.5'],
  ]) {
    const r = runCli([...base, ...extra]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error E_USAGE: /);
    expect(existsSync(out)).toBe(false);
  }
}, 300_000);
