/**
 * The mark's coarsening through the CLI: `package --response-mark <r> --mark-runs n --mark-levels n` writes them into
 * the authenticated record (inspect prints them), and `response-mark verify --base --rate --mark-runs --mark-levels`
 * decides each board's marks on that coarsening, as the package's own record does: the marked pool inputs are those
 * the library's decision gives at 98 runs × 3 levels, not at the default 196 × 2. Refused with nothing written: the
 * options without --response-mark, out of the record's range, and beside --package (which holds its own). `report`
 * lists the mark among the package's protections.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RESPONSE_MARK_DEFAULTS } from '../../src/package/response-mark';
import { decideCoarse, responseMarkKey } from '../../src/response-mark/decision';
import { poolCodes } from '../../src/response-mark/pool';
import { expectUsageError, packageArgs, runCli } from '../helpers/cli';

const TFLITE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const MASTER = createHash('sha256').update('edgelock mark coarsening CLI test master').digest();
const UID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const RATE = 200_000; // 20%: a few hundred marked inputs among the 2,000 of the pool
let dir = '';
const at = (f: string) => path.join(dir, f);
const board = (out: string) => packageArgs(TFLITE, out, at('master.key'), UID);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-mark-coarsening-'));
  fs.writeFileSync(at('master.key'), MASTER, { mode: 0o600 });
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The pool inputs (first 2,000 MNIST test images) the board's key marks at this coarsening. */
function markedCount(groups: number, levels: number): number {
  const key = responseMarkKey(MASTER, Buffer.from(UID, 'hex'));
  const codes = poolCodes(fs.readFileSync(TFLITE), ['mnist-test'], { groups, levels }, 2000);
  return codes.filter((c) => decideCoarse(key, RATE, c, 10, true).marked).length;
}

test('package --mark-runs/--mark-levels: the record carries them, verify --base decides on them', () => {
  const r = runCli([
    ...board(at('coarse.elp')),
    '--response-mark',
    '20%',
    '--mark-runs',
    '98',
    '--mark-levels',
    '3',
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).responseMark).toEqual({ ratePpm: RATE, groups: 98, levels: 3, skipRunnerUp: true });
  expect(runCli(['inspect', at('coarse.elp')]).stdout).toMatch(/response mark\s+on, rate 20% .*98 runs × 3 levels/);
  // the report lists the mark among the package's protections, with its parameters and board
  const rep = runCli(['report', at('coarse.elp'), '--json']);
  expect(rep.status).toBe(0);
  const entry = JSON.parse(rep.stdout).protections.find((p: { id: string }) => p.id === 'response-mark');
  expect(entry.applied).toBe(true);
  expect(entry.details).toEqual([
    ['mark', expect.stringMatching(/rate 20% .*98 runs × 3 levels/)],
    ['board', UID],
  ]);
  expect(entry.aspects.method).not.toMatch(/not applied/);
  expect(entry.doesNotStop.join(' ')).toMatch(/noise/);

  const verify = (extra: string[]) =>
    runCli([
      'response-mark',
      'verify',
      '--model',
      TFLITE,
      '--key',
      at('master.key'),
      ...extra,
      '--uid',
      UID,
      '--pool',
      'mnist-test',
      '--pool-limit',
      '2000',
      '--statistic',
      'arg-max',
      '--json',
    ]);
  const fromPackage = verify(['--package', at('coarse.elp')]);
  const fromBase = verify(['--base', TFLITE, '--rate', '20%', '--mark-runs', '98', '--mark-levels', '3']);
  const byDefault = verify(['--base', TFLITE, '--rate', '20%']);
  for (const v of [fromPackage, fromBase, byDefault]) {
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  }
  const [p, b, d] = [fromPackage, fromBase, byDefault].map((v) => JSON.parse(v.stdout));
  expect(b.params).toEqual(p.params);
  expect(d.params).toMatchObject(RESPONSE_MARK_DEFAULTS);
  const at98 = markedCount(98, 3);
  const at196 = markedCount(RESPONSE_MARK_DEFAULTS.groups, RESPONSE_MARK_DEFAULTS.levels);
  expect(at98).not.toBe(at196);
  expect(p.candidates[0].marked).toBe(at98);
  expect(b.candidates[0].marked).toBe(at98);
  expect(d.candidates[0].marked).toBe(at196);
  for (const v of [fromPackage, fromBase, byDefault, r]) expect(v.stdout).not.toContain(MASTER.toString('hex'));
}, 300_000);

test('--mark-runs/--mark-levels are refused without --response-mark, out of range, and beside --package', () => {
  expectUsageError(
    runCli([...board(at('no-mark.elp')), '--mark-runs', '98']),
    /--mark-runs and --mark-levels need --response-mark/,
  );
  expect(fs.existsSync(at('no-mark.elp'))).toBe(false);
  expectUsageError(
    runCli([...board(at('zero.elp')), '--response-mark', '1%', '--mark-runs', '0']),
    /'--mark-runs <n>' argument '0' is invalid\. Expected an integer 1\.\.1024/,
  );
  expectUsageError(
    runCli([...board(at('many.elp')), '--response-mark', '1%', '--mark-runs', '1025']),
    /'--mark-runs <n>' argument '1025' is invalid/,
  );
  expectUsageError(
    runCli([...board(at('one.elp')), '--response-mark', '1%', '--mark-levels', '1']),
    /'--mark-levels <n>' argument '1' is invalid\. Expected an integer 2\.\.16/,
  );
  for (const f of ['zero.elp', 'many.elp', 'one.elp']) expect(fs.existsSync(at(f))).toBe(false);

  expect(runCli([...board(at('marked.elp')), '--response-mark', '1%']).status).toBe(0);
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
      '--mark-runs',
      '98',
    ]),
    /--mark-runs and --mark-levels go with --base\/--rate/,
  );
}, 120_000);
