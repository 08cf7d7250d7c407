/**
 * `--mark-reference` through the CLI: `package --response-mark 0.5% --mark-reference mnist-test` writes the rate
 * calibrated for that board into the package's record (the rate calibrate.ts computes for the board's mark key,
 * shown against the TFLite runtime by calibrate.test.ts), so that it marks at most floor(0.5% × 10,000) = 50 of the
 * reference inputs; the calibration is reported, never the key. Refused, with nothing written: the option without
 * `--response-mark`, a reference too small to allow one marked input, and `response-mark verify --mark-reference`
 * with a package (which holds its calibrated rate). With `--mark-gate 5%` (scheme 2) the record carries the gate
 * computed from the reference, and `response-mark verify --base --mark-reference --mark-gate` recomputes the same gate
 * and calibrated rate without the package.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../../src/data/dataset';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { RESPONSE_MARK_DEFAULTS } from '../../src/package/response-mark';
import { calibrateRate } from '../../src/response-mark/calibrate';
import { responseMarkKey } from '../../src/response-mark/decision';
import { poolCodes } from '../../src/response-mark/pool';
import { calibrateBoard, loadMarkReference } from '../../src/response-mark/reference';
import { expectUsageError, packageArgs, runCli } from '../helpers/cli';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const MASTER = createHash('sha256').update('edgelock mark-reference CLI test master').digest();
const NOMINAL = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS };
let UID = '';
let dir = '';
const at = (f: string) => path.join(dir, f);
const packageBoard = (out: string, uid = UID || '00112233445566778899aabbccddeeff') =>
  packageArgs(TFLITE, out, at('master.key'), uid);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-mark-reference-'));
  fs.writeFileSync(at('master.key'), MASTER, { mode: 0o600 });
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('package --mark-reference writes the calibrated rate for this board into the record', () => {
  // a board whose key marks more than 50 of the 10,000 test images at the nominal rate (8 of 20 keys do,
  // calibrate.test.ts), so that its calibrated rate must differ from the nominal one
  const codes = poolCodes(fs.readFileSync(TFLITE), ['mnist-test'], NOMINAL);
  let expected;
  for (let i = 0; i < 40 && !UID; i++) {
    const uid = createHash('sha256').update(`mark-reference board ${i}`).digest().subarray(0, 16);
    const c = calibrateRate(responseMarkKey(MASTER, uid), NOMINAL.ratePpm, codes);
    if (c.markedNominal > 50) [UID, expected] = [uid.toString('hex'), c];
  }
  expect(expected).toBeDefined();
  expect(expected!.ratePpm).toBeLessThan(5000);

  const r = runCli([
    ...packageBoard(at('board.elp')),
    '--response-mark',
    '0.5%',
    '--mark-reference',
    'mnist-test',
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  const c = j.responseMarkCalibration;
  expect(c).toMatchObject({
    reference: 'mnist-test',
    inputs: 10_000,
    nominalPpm: 5000,
    allowed: 50,
    ratePpm: expected!.ratePpm,
    marked: expected!.marked,
    markedAtNominal: expected!.markedNominal,
  });
  expect(c.marked).toBeLessThanOrEqual(50);
  // the record carries the calibrated rate, not the nominal one
  expect(j.responseMark.ratePpm).toBe(c.ratePpm);
  for (const form of [MASTER.toString('hex'), MASTER.toString('base64')]) expect(r.stdout).not.toContain(form);

  const text = runCli([...packageBoard(at('board2.elp')), '--response-mark', '0.5%', '--mark-reference', 'mnist-test']);
  expect(text.status).toBe(0);
  expect(text.stdout).toContain(
    `calibrated on mnist-test: marks ${c.marked} of 10000 inputs (at most 50; ${c.markedAtNominal} at the nominal 0.5%)`,
  );
  expect(runCli(['inspect', at('board.elp')]).stdout).toMatch(
    new RegExp(`response mark\\s+on, rate ${c.ratePpm / 1e4}%`),
  );
}, 300_000);

test('--mark-reference is refused without --response-mark, with too few inputs, and beside a package', () => {
  expectUsageError(
    runCli([...packageBoard(at('no-mark.elp')), '--mark-reference', 'mnist-test']),
    /--mark-reference needs --response-mark/,
  );
  expect(fs.existsSync(at('no-mark.elp'))).toBe(false);

  // 100 images at 0.5%: floor(0.5) = 0 inputs may be marked, so no rate can be calibrated on them
  const test = loadDataset('mnist-test');
  writeNpy(at('hundred.npy'), makeTensor('float32', [100, 1, 28, 28], Array.from(test.data.subarray(0, 100 * 784))));
  expectUsageError(
    runCli([...packageBoard(at('small.elp')), '--response-mark', '0.5%', '--mark-reference', at('hundred.npy')]),
    /100 inputs are too few to calibrate a rate of 0.5%/,
  );
  expect(fs.existsSync(at('small.elp'))).toBe(false);

  expect(runCli([...packageBoard(at('marked.elp')), '--response-mark', '1%']).status).toBe(0);
  expectUsageError(
    runCli([
      'response-mark',
      'verify',
      '--model',
      TFLITE,
      '--package',
      at('marked.elp'),
      '--key',
      at('master.key'),
      '--mark-reference',
      'mnist-test',
    ]),
    /--mark-reference, --mark-gate, --mark-scheme, --mark-runs and --mark-levels go with --base\/--rate/,
  );
}, 300_000);

test('--mark-gate: the record carries scheme 2 and the gate; verify --base recomputes the same gate and rate', async () => {
  const base = fs.readFileSync(TFLITE);
  const params = { ...NOMINAL, skipRunnerUp: true };
  const ref = await loadMarkReference(base, ['mnist-test'], params, 0.05);
  // the gate is the base model's margin at the 5% quantile of the test images: about 500 of them fall below it
  expect(ref.total).toBe(10_000);
  expect(ref.codes.length).toBeGreaterThan(400);
  expect(ref.codes.length).toBeLessThanOrEqual(500);
  const uid = Buffer.from(UID || '00112233445566778899aabbccddeeff', 'hex');
  const want = calibrateBoard(responseMarkKey(MASTER, uid), NOMINAL.ratePpm, ref);
  // at most floor(0.5% × 10,000) = 50 marked, all among the gated inputs, at a rate there of up to 0.5% × 10,000 / gated
  expect(want.allowed).toBe(50);
  expect(want.marked).toBeLessThanOrEqual(50);
  expect(want.nominalPpm).toBe(Math.floor((5000 * 10_000) / ref.codes.length));

  const r = runCli([
    ...packageBoard(at('gated.elp'), uid.toString('hex')),
    '--response-mark',
    '0.5%',
    '--mark-reference',
    'mnist-test',
    '--mark-gate',
    '5%',
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.responseMark).toEqual({
    ...RESPONSE_MARK_DEFAULTS,
    ratePpm: want.ratePpm,
    skipRunnerUp: true,
    gate: ref.gate,
  });
  expect(j.responseMarkCalibration).toMatchObject({ inputs: ref.codes.length, allowed: 50, marked: want.marked });
  expect(runCli(['inspect', at('gated.elp')]).stdout).toMatch(
    new RegExp(
      `response mark\\s+on, rate ${want.ratePpm / 1e4}% of the gated answers .*scheme 2: never the runner-up, margin below ${ref.gate}`,
    ),
  );

  // the owner without the package: the same gate and calibrated rate from the base model and the reference
  const v = runCli([
    'response-mark',
    'verify',
    '--model',
    TFLITE,
    '--key',
    at('master.key'),
    '--base',
    TFLITE,
    '--rate',
    '0.5%',
    '--mark-reference',
    'mnist-test',
    '--mark-gate',
    '5%',
    '--uid',
    uid.toString('hex'),
    '--pool',
    'mnist-test',
    '--statistic',
    'arg-max',
    '--json',
  ]);
  expect(v.stderr).toBe('');
  expect(v.status).toBe(0);
  const vj = JSON.parse(v.stdout);
  expect(vj.params).toEqual({ ...j.responseMark, ratePpm: 5000 }); // the nominal rate; each board its calibrated one
  expect(vj.candidates[0].ratePpm).toBe(want.ratePpm);
  // the base model answers its own answers: no disagreement, no trial, not named
  expect(vj.candidates[0]).toMatchObject({ trials: 0, matches: 0 });
  expect(vj.named).toEqual([]);
  expect(vj.null.uniform).toBeCloseTo(1 / 8);

  expectUsageError(
    runCli([...packageBoard(at('g1.elp')), '--response-mark', '0.5%', '--mark-gate', '5%']),
    /--mark-gate needs --response-mark, --mark-reference and --mark-scheme 2/,
  );
  expectUsageError(
    runCli([
      ...packageBoard(at('g2.elp')),
      '--response-mark',
      '0.5%',
      '--mark-reference',
      'mnist-test',
      '--mark-gate',
      '5%',
      '--mark-scheme',
      '1',
    ]),
    /--mark-gate needs --response-mark, --mark-reference and --mark-scheme 2/,
  );
  for (const f of ['g1.elp', 'g2.elp']) expect(fs.existsSync(at(f))).toBe(false);
}, 300_000);
