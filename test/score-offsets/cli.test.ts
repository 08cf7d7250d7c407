/**
 * Score offsets through the CLI: `package --score-offsets <delta> --offsets-reference <data>` writes the calibrated
 * record (inspect prints it), and `score-offsets verify` reads a suspect: a host-sim board running the package (its
 * answers carry the offsets) is named among several candidates, the base model file is not; `verify --score-offsets`
 * finds the board's own offsets in its answers, and `watermark verify --score-offsets` reports them beside the trigger
 * watermark, on the board and on the file. Usage errors leave nothing written.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startBoard } from '../../src/board';
import { checkScoreOffsets } from '../../src/cli/commands/score-offsets';
import { DeviceClient } from '../../src/device/client';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { freshStateDir, removeRunRoot, stopAllBoards } from '../device/helpers';
import { ROOT, expectUsageError, packageArgs, runCli } from '../helpers/cli';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const MASTER = createHash('sha256').update('edgelock score offsets CLI test master').digest();
// the owner key the fixture's trigger watermark was embedded with (test/watermark/fixtures/README.md)
const OWNER_KEY = createHash('sha256').update('edgelock watermark robustness demo key').digest();
let dir = '';
const at = (f: string) => path.join(dir, f);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-score-offsets-'));
  fs.writeFileSync(at('master.key'), MASTER, { mode: 0o600 });
  fs.writeFileSync(at('owner.key'), OWNER_KEY, { mode: 0o600 });
});

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('package --score-offsets writes the calibrated record; the options go together', () => {
  const uid = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  const r = runCli([
    ...packageArgs(TFLITE, at('p.elp'), at('master.key'), uid),
    '--score-offsets',
    '1',
    '--offsets-reference',
    'mnist-test',
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const o = JSON.parse(r.stdout).scoreOffsets;
  expect(o).toMatchObject({ degrees: 4, grid: 7, height: 28, width: 28, channels: 1, clip: 2.5 });
  expect(o.delta).toBeCloseTo(1 / 0.180607, 4); // 1 logit in the int8 output's steps
  expect(runCli(['inspect', at('p.elp')]).stdout).toMatch(/score offsets\s+on, δ 5\.5\d* output units, 16 features/);
  // the report lists the offsets among the package's protections, with the record and the board
  const rep = runCli(['report', at('p.elp'), '--json']);
  expect(rep.status).toBe(0);
  const entry = JSON.parse(rep.stdout).protections.find((p: { id: string }) => p.id === 'score-offsets');
  expect(entry.applied).toBe(true);
  expect(JSON.stringify(entry)).toContain(uid);
  expect(JSON.stringify(entry)).toContain('16 features');
  for (const [args, text] of [
    [['--score-offsets', '1'], /--score-offsets and --offsets-reference go together/],
    [['--offsets-reference', 'mnist-test'], /go together/],
    [['--score-offsets', '1e9', '--offsets-reference', 'mnist-test'], /5537000000 steps .* at most 1048576/],
  ] as const) {
    expectUsageError(runCli([...packageArgs(TFLITE, at('q.elp'), at('master.key'), uid), ...args]), text);
    expect(fs.existsSync(at('q.elp'))).toBe(false);
  }
  const zero = runCli([
    ...packageArgs(TFLITE, at('q.elp'), at('master.key'), uid),
    '--score-offsets',
    '0',
    '--offsets-reference',
    'mnist-test',
  ]);
  expect(zero.status).toBe(2);
  expect(fs.existsSync(at('q.elp'))).toBe(false);
});

test('score-offsets verify names the board whose answers carry its offsets, and not the base model', async () => {
  const b = await startBoard({ board: 'host-sim', stateDir: freshStateDir('host-sim') });
  const client = await DeviceClient.open(b.port);
  const uid = (await client.info()).uid;
  expect(await client.keyWrite(deriveDeviceKey(MASTER, Buffer.from(uid, 'hex')))).toBe('written');
  const r = runCli([
    ...packageArgs(TFLITE, at('b.elp'), at('master.key'), uid),
    '--score-offsets',
    '1',
    '--offsets-reference',
    'mnist-test',
  ]);
  expect(r.status).toBe(0);
  await flashPackage(client, fs.readFileSync(at('b.elp')));
  await client.close();
  const others = ['a0', 'a1', 'a2'].map((x) => x.repeat(16));
  const flags = {
    key: at('master.key'),
    package: at('b.elp'),
    uid: [uid, ...others],
    pool: 'mnist-test',
    poolLimit: 1000,
  };
  const board = await checkScoreOffsets({ ...flags, port: b.port });
  expect(board.named).toEqual([uid]);
  const own = board.candidates.find((c) => c.uid === uid)!;
  expect(own.z).toBeGreaterThan(10);
  for (const c of board.candidates.filter((c) => c.uid !== uid)) expect(c.familyP).toBeGreaterThan(1e-3);
  const file = await checkScoreOffsets({ ...flags, model: TFLITE });
  expect(file.named).toEqual([]);
  for (const c of file.candidates) expect(c.familyP).toBeGreaterThan(1e-3);
  // the CLI prints the verdict; a package without offsets is refused
  const v = runCli([
    'score-offsets',
    'verify',
    '--model',
    TFLITE,
    '--key',
    at('master.key'),
    '--package',
    at('b.elp'),
    '--pool-limit',
    '500',
  ]);
  expect(v.status).toBe(0);
  expect(v.stdout).toMatch(/verdict\s+no board's score offsets found among 1/);
  // a suspect of another task (12 classes, 490 values per sample) is refused, not read misaligned
  const other = runCli([
    'score-offsets',
    'verify',
    '--model',
    path.join(ROOT, 'models', 'kws-dscnn.onnx'),
    '--key',
    at('master.key'),
    '--package',
    at('b.elp'),
    '--pool-limit',
    '100',
  ]);
  expect(other.status).toBe(1);
  expect(other.stderr.trim()).toBe('error E_DATA_SHAPE: the suspect answers 12 classes, the base model 10');
  expect(other.stdout).not.toMatch(/verdict/);
  const plain = runCli([...packageArgs(TFLITE, at('plain.elp'), at('master.key'), uid)]);
  expect(plain.status).toBe(0);
  expectUsageError(
    runCli(['score-offsets', 'verify', '--model', TFLITE, '--key', at('master.key'), '--package', at('plain.elp')]),
    /carries no score offsets/,
  );
  // `verify` on the board: genuine, and its answers carry its own offsets
  const vb = runCli([
    'verify',
    '--port',
    b.port,
    '--key',
    at('master.key'),
    '--score-offsets',
    at('b.elp'),
    '--offsets-pool-limit',
    '500',
  ]);
  expect(vb.stderr).toBe('');
  expect(vb.status).toBe(0);
  expect(vb.stdout).toMatch(/score offsets present \(Z \d+\.\d on 500 inputs, p /);
  // `watermark verify` beside the trigger watermark: on the board, the offsets are present; on the file, not
  const wm = (where: string[]) =>
    runCli([
      'watermark',
      'verify',
      TFLITE,
      ...where,
      '--params',
      TFLITE.replace(/\.tflite$/, '.onnx'),
      '--owner',
      'acme-vision',
      '--key',
      at('owner.key'),
      '--data',
      'mnist-train',
      '--score-offsets',
      at('b.elp'),
      '--mark-key',
      at('master.key'),
      '--offsets-pool',
      'mnist-test',
      '--json',
    ]);
  const onBoard = wm(['--port', b.port]);
  expect(onBoard.stderr).toBe('');
  const jb = JSON.parse(onBoard.stdout);
  expect(jb.verdict).toBe('detected'); // the fixture carries the owner's trigger watermark
  expect(jb.scoreOffsets.named).toEqual([uid]);
  const onFile = JSON.parse(wm([]).stdout);
  expect(onFile.verdict).toBe('detected');
  expect(onFile.scoreOffsets.named).toEqual([]);
  expect(onFile.scoreOffsets.candidates[0].familyP).toBeGreaterThan(1e-3);
  for (const out of [vb.stdout, onBoard.stdout]) expect(out).not.toContain(MASTER.toString('hex'));
  expectUsageError(
    runCli([
      'watermark',
      'verify',
      TFLITE,
      '--owner',
      'acme-vision',
      '--key',
      at('owner.key'),
      '--data',
      'mnist-train',
      '--score-offsets',
      at('b.elp'),
    ]),
    /--score-offsets needs --mark-key/,
  );
}, 600_000);
