/**
 * The response mark against distillation, end to end through the CLI and the real firmware (reduced; the full
 * measurement is scripts/response-mark-measure.ts, docs/watermark.md "Response mark"): a host-sim board runs the
 * watermarked zoo LeNet packaged with `--response-mark 5%` (a high rate, so that a 3,000-query copy trained briefly
 * carries enough marks for CI); the attacker distils a LeNet from 3,000 hard labels over RUN (`edgelock attack
 * --port`, whose ownership table's response-mark row names the board in the copy and in the board itself);
 * `edgelock response-mark verify` finds the board's mark in the copy among the boards of the factory candidates and
 * 3 others at p ≤ 1e-6 and names that board, over the owner's whole 60,000-image MNIST train pool, which holds every
 * input the attacker queried (measured p 2.7e-33 with scheme 2: 84 of 160 marked codes keyed, 20.1 expected; scheme 1
 * had 2.3e-15, 67 of 210 at 23.3 expected, and over half the pool 9.7e-6, too weak to name). Models trained on true
 * labels without the key (a LeNet and an MLP), and the unmarked base model itself, are not flagged (p > 1e-3).
 * `watermark verify --response-mark` reports the same beside the trigger watermark. Nothing secret is printed.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trainCopy } from '../../src/attack/distill';
import { DeviceClient } from '../../src/device/client';
import { loadMnist } from '../../src/data/mnist';
import { deriveDeviceKey } from '../../src/keys/derive';
import { readOnnx } from '../../src/onnx';
import { writeOnnx } from '../../src/onnx/writer';
import { removeRunRoot, startTestBoard, stateDirWithUid, stopAllBoards } from '../device/helpers';
import { simulatedUid, simulatedUids } from '../helpers/mnist-boards';
import { jsonLines, packageArgs, runCli } from '../helpers/cli';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const OWNER_KEY = createHash('sha256').update('edgelock watermark robustness demo key').digest();
// Fixed master key and board identity: the copy's p-value depends on which inputs the board's key marks, so with a
// random key each run measured a different draw (1.7e-7 to 1.3e-16 here, once above the bound in CI); fixed, the test
// measures the same board every time.
const master = createHash('sha256').update('edgelock response-mark distill test master key').digest();
const uid = simulatedUid('a5', 1);
const others = simulatedUids('d1', 3);
let dir = '';
let port = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-response-mark-'));
  fs.writeFileSync(path.join(dir, 'master.key'), master, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'owner.key'), OWNER_KEY, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'devices.txt'), others.join('\n') + '\n');
  port = (await startTestBoard('host-sim', stateDirWithUid('host-sim', uid))).port;
  const client = await DeviceClient.open(port);
  try {
    expect((await client.info()).uid).toBe(uid);
    await client.keyWrite(deriveDeviceKey(master, Buffer.from(uid, 'hex')));
  } finally {
    await client.close();
  }
  const pkg = path.join(dir, 'board.elp');
  const p = runCli([...packageArgs(TFLITE, pkg, path.join(dir, 'master.key'), uid), '--response-mark', '5%']);
  expect(p.stderr).toBe('');
  expect(p.stdout).toMatch(/response mark\s+on, rate 5%/);
  expect(runCli(['flash', '--port', port, pkg]).status).toBe(0);
  const i = runCli(['inspect', pkg]);
  expect(i.stdout).toMatch(/response mark\s+on, rate 5%/);
}, 300_000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const verify = (model: string, extra: string[] = []) =>
  runCli(
    [
      'response-mark',
      'verify',
      ...extra,
      '--model',
      model,
      '--package',
      path.join(dir, 'board.elp'),
      '--uid',
      uid,
      '--devices',
      path.join(dir, 'devices.txt'),
      '--key',
      path.join(dir, 'master.key'),
      '--pool',
      'mnist-train',
      '--decoys',
      '4',
      '--json',
    ],
    { timeout: 900_000 },
  );

function noSecrets(text: string): void {
  for (const k of [master, deriveDeviceKey(master, Buffer.from(uid, 'hex'))])
    for (const form of [k.toString('hex'), k.toString('base64')]) expect(text).not.toContain(form);
}

test('`edgelock verify --response-mark`: the board answers with its own mark, beside attestation', () => {
  const v = runCli(
    [
      'verify',
      '--port',
      port,
      '--key',
      path.join(dir, 'master.key'),
      '--response-mark',
      path.join(dir, 'board.elp'),
      '--mark-pool',
      'mnist-test',
      '--json',
    ],
    { timeout: 600_000 },
  );
  expect(v.stderr).toBe('');
  expect(v.status).toBe(0);
  noSecrets(v.stdout);
  const lines = jsonLines(v.stdout);
  const done = lines.find((l) => l.event === 'result')?.result;
  expect(done).toBeDefined();
  expect(done.verdict).toBe('genuine');
  expect(done.responseMark.detected).toBe(true);
  // every marked answer is the keyed class; the verifier computes the runner-up scheme 2 passes over from the TFLite
  // runtime's scores, and this board's default build differs from them by one step on a few outputs
  // (docs/runtime.md), which can move the runner-up among near-equal low scores: at most 1% of the trials may miss
  expect(done.responseMark.matches).toBeGreaterThanOrEqual(Math.floor(0.99 * done.responseMark.trials));
  expect(done.responseMark.trials).toBeGreaterThan(300); // 5% of 10,000, less the 10% least confident
}, 900_000);

test("a LeNet distilled from 3,000 of the board's hard labels carries its mark: the board is named at p ≤ 1e-6", () => {
  const copy = path.join(dir, 'copy.onnx');
  const a = runCli([
    'attack',
    '--port',
    port,
    '--only',
    'distill',
    '--arch',
    'mnist-lenet',
    '--queries',
    '3000',
    '--epochs',
    '15',
    '--threads',
    '1',
    '--test-limit',
    '500',
    '--response-mark',
    path.join(dir, 'board.elp'),
    '--mark-key',
    path.join(dir, 'master.key'),
    '--mark-pool',
    'mnist-train',
    '--mark-statistic',
    'scores',
    '-o',
    copy,
    '--json',
  ]);
  expect(a.stderr).toBe('');
  expect(a.status).toBe(0);
  const aj = JSON.parse(a.stdout);
  expect(aj.copy.accuracy).toBeGreaterThan(0.85);
  noSecrets(a.stdout);
  // the attack's ownership table: the response mark names the board in the copy, and in the board itself (control)
  const rm = aj.ownership.find((o: { check: string }) => o.check === 'response-mark');
  console.log(
    `attack table: victim ${rm.victim.evidence} p ${rm.victim.pValue}; copy ${rm.copy.evidence} p ${rm.copy.pValue}`,
  );
  // read from the scores (--mark-statistic scores): the copy's probabilities and the board's dequantised outputs
  expect(rm.copy.status).toBe('detected');
  expect(rm.copy.evidence).toContain(uid);
  expect(rm.copy.evidence).toContain('the most probable eligible one');
  expect(rm.copy.pValue).toBeLessThanOrEqual(1e-6);
  expect(rm.victim.status).toBe('detected');
  expect(aj.ownership.find((o: { check: string }) => o.check === 'watermark').copy.status).not.toBe('detected');
  const v = verify(copy, ['--statistic', 'arg-max']);
  expect(v.status).toBe(0);
  noSecrets(v.stdout);
  const r = JSON.parse(v.stdout);
  const mine = r.candidates.find((c: { uid: string }) => c.uid === uid);
  console.log(
    `copy: ${mine.matches} of ${mine.trials} codes keyed (${mine.expected} expected; ${mine.disagreements} disagreements on ${mine.marked} marked); p ` +
      `${mine.familyP}; decoys ${r.null.matches}/${r.null.trials} p ${r.null.p}`,
  );
  expect(r.named).toEqual([uid]);
  expect(mine.familyP).toBeLessThanOrEqual(1e-6);
  for (const c of r.candidates.filter((c: { uid: string }) => c.uid !== uid)) expect(c.familyP).toBeGreaterThan(1e-3);
  // read from the copy's scores (the default for a suspect that answers them): the same board named, the others not
  const vs = verify(copy);
  expect(vs.status).toBe(0);
  const rs = JSON.parse(vs.stdout);
  expect(rs.statistic).toBe('scores');
  expect(rs.scoreThreshold).toBe(0.01);
  const mineS = rs.candidates.find((c: { uid: string }) => c.uid === uid);
  console.log(
    `copy, on its scores: ${mineS.matches} of ${mineS.trials} codes (${mineS.expected} expected); p ${mineS.familyP}`,
  );
  expect(rs.named).toEqual([uid]);
  for (const c of rs.candidates.filter((c: { uid: string }) => c.uid !== uid)) expect(c.familyP).toBeGreaterThan(1e-3);
  // beside the trigger watermark (which a distilled copy does not carry)
  const w = runCli(
    [
      'watermark',
      'verify',
      copy,
      '--params',
      TFLITE.replace(/\.tflite$/, '.onnx'),
      '--owner',
      'acme-vision',
      '--key',
      path.join(dir, 'owner.key'),
      '--data',
      'mnist-train',
      '--response-mark',
      path.join(dir, 'board.elp'),
      '--mark-key',
      path.join(dir, 'master.key'),
      '--mark-pool',
      'mnist-train',
      '--json',
    ],
    { timeout: 900_000 },
  );
  expect(w.stderr).toBe('');
  const wj = JSON.parse(w.stdout);
  expect(wj.verdict).not.toBe('detected');
  expect(wj.responseMark.named).toEqual([uid]);
  noSecrets(w.stdout);
}, 2_400_000);

test('models trained without the key, and the unmarked base model, are not flagged', async () => {
  const train = loadMnist('train');
  for (const [k, arch] of [
    [0, 'mnist-lenet'],
    [1, 'mnist-mlp'],
  ] as const) {
    const from = 20000 + 3000 * k;
    const m = await trainCopy(
      readOnnx(fs.readFileSync(path.join('models', `${arch}.onnx`))),
      train.images.subarray(from * 784, (from + 3000) * 784),
      3000,
      { labels: train.labels.slice(from, from + 3000) },
      { epochs: 4, lr: 0.05, seed: 40 + k, threads: 1 },
    );
    const file = path.join(dir, `independent-${arch}.onnx`);
    fs.writeFileSync(file, writeOnnx(m));
    for (const statistic of ['scores', 'arg-max']) {
      const r = JSON.parse(verify(file, ['--statistic', statistic]).stdout);
      console.log(
        `independent ${arch}, ${statistic}: ${r.candidates.map((c: { matches: number; trials: number }) => `${c.matches}/${c.trials}`).join(' ')}`,
      );
      expect(r.statistic).toBe(statistic);
      expect(r.named).toEqual([]);
      for (const c of r.candidates) expect(c.familyP).toBeGreaterThan(1e-3);
    }
  }
  const b = JSON.parse(verify(TFLITE).stdout);
  expect(b.named).toEqual([]);
  // on its arg-max the base model never disagrees with itself: no trial at all
  const ba = JSON.parse(verify(TFLITE, ['--statistic', 'arg-max']).stdout);
  expect(ba.named).toEqual([]);
  expect(ba.candidates.every((c: { disagreements: number }) => c.disagreements === 0)).toBe(true);
}, 1_800_000);
