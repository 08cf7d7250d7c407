/**
 * Score offsets against distillation, end to end through the CLI and the real firmware (reduced; the measurements with
 * PyTorch students are docs/watermark.md "Score offsets", scripts/score-offsets-answers.ts and score-offsets-read.ts):
 * a host-sim board runs the watermarked zoo LeNet packaged with `--score-offsets 1` (one logit); the attacker distils a
 * LeNet from 6,000 of its soft labels over RUN (`edgelock attack --port --labels soft`), whose ownership table's
 * score-offsets row finds the board in the copy and in the board itself; `edgelock score-offsets verify` names that
 * board among it and three others at p ≤ 1e-6 on the 10,000 MNIST test images, which the attacker never queried.
 * Models trained without the key (the zoo LeNet and MLP) and the base model are not flagged (p > 1e-3). Fixed master
 * key and board uid, so the test measures the same board every run (measured: Z 9.7 with another key). Nothing secret
 * is printed.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DeviceClient } from '../../src/device/client';
import { deriveDeviceKey } from '../../src/keys/derive';
import { removeRunRoot, startTestBoard, stateDirWithUid, stopAllBoards } from '../device/helpers';
import { packageArgs, runCli } from '../helpers/cli';
import { simulatedUid, simulatedUids } from '../helpers/mnist-boards';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const master = createHash('sha256').update('edgelock score offsets distill test master key').digest();
const uid = simulatedUid('b7', 1);
const others = simulatedUids('e2', 3);
let dir = '';
let port = '';
const at = (f: string) => path.join(dir, f);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-score-offsets-distill-'));
  fs.writeFileSync(at('master.key'), master, { mode: 0o600 });
  port = (await startTestBoard('host-sim', stateDirWithUid('host-sim', uid))).port;
  const client = await DeviceClient.open(port);
  try {
    expect((await client.info()).uid).toBe(uid);
    await client.keyWrite(deriveDeviceKey(master, Buffer.from(uid, 'hex')));
  } finally {
    await client.close();
  }
  const p = runCli([
    ...packageArgs(TFLITE, at('board.elp'), at('master.key'), uid),
    '--score-offsets',
    '1',
    '--offsets-reference',
    'mnist-test',
  ]);
  expect(p.stderr).toBe('');
  expect(runCli(['flash', '--port', port, at('board.elp')]).status).toBe(0);
}, 300_000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const verify = (model: string) => {
  const r = runCli(
    [
      'score-offsets',
      'verify',
      '--model',
      model,
      '--package',
      at('board.elp'),
      '--key',
      at('master.key'),
      ...[uid, ...others].flatMap((u) => ['--uid', u]),
      '--json',
    ],
    { timeout: 600_000 },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).not.toContain(master.toString('hex'));
  return JSON.parse(r.stdout) as { named: string[]; candidates: { uid: string; z: number; familyP: number }[] };
};

test("a LeNet distilled from 6,000 of the board's soft labels carries its offsets: the board is named at p ≤ 1e-6", () => {
  const a = runCli(
    [
      'attack',
      '--port',
      port,
      '--only',
      'distill',
      '--arch',
      'mnist-lenet',
      '--queries',
      '6000',
      '--labels',
      'soft',
      '--threads',
      '1',
      '--test-limit',
      '1000',
      '--score-offsets',
      at('board.elp'),
      '--mark-key',
      at('master.key'),
      '-o',
      at('copy.onnx'),
      '--json',
    ],
    { timeout: 1_200_000 },
  );
  expect(a.stderr).toBe('');
  expect(a.status).toBe(0);
  expect(a.stdout).not.toContain(master.toString('hex'));
  const aj = JSON.parse(a.stdout);
  expect(aj.copy.accuracy).toBeGreaterThan(0.95);
  const row = aj.ownership.find((o: { check: string }) => o.check === 'score-offsets');
  console.log(`attack table: victim ${row.victim.evidence}; copy ${row.copy.evidence} p ${row.copy.pValue}`);
  expect(row.victim.status).toBe('detected');
  expect(row.copy.status).toBe('detected');
  expect(row.copy.evidence).toContain(uid);
  const r = verify(at('copy.onnx'));
  const mine = r.candidates.find((c) => c.uid === uid)!;
  console.log(`copy: Z ${mine.z}, family p ${mine.familyP}`);
  expect(r.named).toEqual([uid]);
  expect(mine.familyP).toBeLessThanOrEqual(1e-6);
  for (const c of r.candidates.filter((c) => c.uid !== uid)) expect(c.familyP).toBeGreaterThan(1e-3);
}, 1_800_000);

test('models trained without the key, and the base model, are not flagged', () => {
  for (const m of [path.join('models', 'mnist-lenet.onnx'), path.join('models', 'mnist-mlp.onnx'), TFLITE]) {
    const r = verify(m);
    expect(r.named).toEqual([]);
    for (const c of r.candidates) expect(c.familyP).toBeGreaterThan(1e-3);
  }
}, 900_000);
