/**
 * The extraction attack against a board (`edgelock attack --port <p> --only distill`): a host-sim board (real
 * firmware) runs the int8 .tflite of the watermarked zoo LeNet; the attacker queries it over the serial protocol
 * (one RUN per query) with soft labels from its dequantised int8 outputs and trains an MLP. Reference: the same
 * attack on the .tflite file in the official TFLite runtime, with the same seed and queries — the board's answers
 * are the runtime's up to one int8 output step (docs/runtime.md) — enough to move soft labels and so the training a
 * little: the two copies score within three points of each other, and the victim's accuracies agree to two samples.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evaluateModelFile } from '../../src/eval/evaluate';
import { mnistTest } from '../lock/fixtures';
import { removeRunRoot, startBoardWithModel, stopAllBoards } from '../device/helpers';
import { runCli } from '../helpers/cli';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const OWNER_KEY = createHash('sha256').update('edgelock watermark robustness demo key').digest();
const TEST_LIMIT = 300;

let port = '';
let dir = '';

beforeAll(async () => {
  port = (await startBoardWithModel(fs.readFileSync(TFLITE), 1)).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-distill-board-'));
  fs.writeFileSync(path.join(dir, 'owner.key'), OWNER_KEY, { mode: 0o600 });
}, 180_000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const args = (victim: string[]) => [
  'attack',
  ...victim,
  '--only',
  'distill',
  '--arch',
  'mnist-mlp',
  '--labels',
  'soft',
  '--queries',
  '600',
  '--epochs',
  '6',
  '--seed',
  '2',
  '--test-limit',
  String(TEST_LIMIT),
  '--owner',
  'acme-vision',
  '--owner-key',
  path.join(dir, 'owner.key'),
  '--json',
];

test('a board over the serial protocol is distilled like its model file in the TFLite runtime', async () => {
  // the file gives the watermark record (the .tflite carries it); the answers come from the board
  const onBoard = runCli(args([TFLITE, '--port', port, '--slot', '1']));
  expect(onBoard.stderr).toBe('');
  expect(onBoard.status).toBe(0);
  const b = JSON.parse(onBoard.stdout);
  const inRuntime = runCli(args([TFLITE]));
  expect(inRuntime.status).toBe(0);
  const f = JSON.parse(inRuntime.stdout);
  console.log(
    `board: victim ${b.victim.accuracy} copy ${b.copy.accuracy} agreement ${b.copy.agreement}; ` +
      `TFLite runtime: victim ${f.victim.accuracy} copy ${f.copy.accuracy}; ${b.seconds.queries.toFixed(1)} s for the queries`,
  );
  expect(b.victim).toMatchObject({ kind: 'board', name: `board host-sim on ${port}, slot 1` });
  expect(f.victim.kind).toBe('tflite');
  // the victim's accuracy: the runtime's own evaluation, and the board within two of 300 samples of it
  const ref = await evaluateModelFile(fs.readFileSync(TFLITE), mnistTest(TEST_LIMIT));
  expect(f.victim.accuracy).toBe(ref.accuracy);
  expect(Math.abs(b.victim.accuracy - ref.accuracy)).toBeLessThanOrEqual(2 / TEST_LIMIT);
  expect(b.attacker).toMatchObject({ queries: 600, labels: 'soft', temperature: 4 });
  expect(b.copy.accuracy).toBeGreaterThan(0.8);
  expect(b.copy.accuracy).toBeGreaterThan(b.victim.accuracy - 0.15);
  expect(Math.abs(b.copy.accuracy - f.copy.accuracy)).toBeLessThanOrEqual(0.03);
  expect(Math.abs(b.victimQueryAccuracy - f.victimQueryAccuracy)).toBeLessThanOrEqual(2 / 600);
  // ownership on the board itself (its labels on the owner's triggers) and on the copy
  const wm = b.ownership.find((o: any) => o.check === 'watermark');
  expect(wm.victim.status).toBe('detected');
  expect(wm.victim.evidence).toMatch(/^(99|100)\/100 trigger labels/);
  expect(wm.copy.status).toBe('not detected');
}, 900_000);

test('board errors: --arch same has no graph to copy; an empty slot is a catalogue error', () => {
  const same = runCli(['attack', '--port', port, '--slot', '1', '--only', 'distill']);
  expect(same.stderr).toMatch(/^error E_USAGE: --arch same needs the victim's ONNX graph; board host-sim on /);
  const empty = runCli(['attack', '--port', port, '--slot', '0', '--only', 'distill', '--arch', 'mnist-mlp']);
  expect(empty.stderr).toMatch(/^error E_DEVICE_MODEL_EMPTY: /);
  const key = runCli(['attack', TFLITE, '--port', port, '--only', 'distill', '--key', 'x.key']);
  expect(key.stderr).toMatch(/^error E_USAGE: --key unlocks a victim file/);
}, 120_000);
