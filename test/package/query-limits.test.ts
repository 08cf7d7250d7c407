/**
 * Query limits on the host: the `package` flags (and every value they refuse), the record round trip through a
 * package, `inspect`, and the report's query-limit entry. What the board does with them is tested on the real
 * firmware in test/security/query-limits.test.ts; host and firmware agreeing on valid values in
 * test/package/firmware-parser.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspectPackage, formatPackageReport } from '../../src/inspect/package';
import { buildPackage } from '../../src/package/build';
import { decodePackage } from '../../src/package/decode';
import { decimalRange, queryRate } from '../../src/cli/option-parsers';
import { register as registerPackage } from '../../src/cli/commands/package';
import { buildReport } from '../../src/report/build';
import { fcModelOfSize } from '../device/models';
import { EdgelockError } from '../../src/errors';
import { errorCodeOf } from '../helpers/error-code';
import { TEST_UID } from './support';
import { packageArgs, runCli, runCommandsInProcess } from '../helpers/cli';

const master = Buffer.alloc(32, 9);
const uid = TEST_UID;
const model = fcModelOfSize(4, 2000);

const code = errorCodeOf;

describe('package flags', () => {
  // commander parses the flags before the command runs: a refused value never reaches a file
  const flags = (...extra: string[]) => [...packageArgs('m.tflite', 'p.elp', 'k', uid.toString('hex')), ...extra];
  const refusal = (args: string[]): Promise<EdgelockError> =>
    runCommandsInProcess([registerPackage], args).then(
      () => {
        throw new Error(`accepted: ${args.join(' ')}`);
      },
      (e: unknown) => {
        if (e instanceof EdgelockError) return e;
        throw e;
      },
    );

  test('the parsers: each flag gives its limit', () => {
    expect(queryRate('10/1s')).toEqual({ rateCount: 10, rateWindowMs: 1000 });
    expect(queryRate('100/500ms')).toEqual({ rateCount: 100, rateWindowMs: 500 });
    expect(queryRate('5/m')).toEqual({ rateCount: 5, rateWindowMs: 60_000 });
    expect(queryRate('3600/24h')).toEqual({ rateCount: 3600, rateWindowMs: 86_400_000 });
    const count = decimalRange(1, 0xffffffff);
    expect(count('6000')).toBe(6000);
    expect(count('4294967295')).toBe(0xffffffff);
  });

  test.each([
    ['--max-queries 0 (would answer nothing)', ['--max-queries', '0'], /0 would answer nothing/],
    ['--max-queries -1', ['--max-queries', '-1'], /integer 1\.\.4294967295/],
    ['--max-queries 1.5', ['--max-queries', '1.5'], /integer 1\.\.4294967295/],
    ['--max-queries 2^32 (overflows the u32 field)', ['--max-queries', '4294967296'], /integer 1\.\.4294967295/],
    ['--max-queries 1e3', ['--max-queries', '1e3'], /integer 1\.\.4294967295/],
    ['--max-queries-per-boot 0', ['--max-queries-per-boot', '0'], /integer 1\.\.4294967295/],
    ['--query-rate 0/1s', ['--query-rate', '0/1s'], /<n>\/<duration>.*n ≥ 1/],
    ['--query-rate 10/0s', ['--query-rate', '10/0s'], /1 ms to 24 h/],
    ['--query-rate 10 (no window)', ['--query-rate', '10'], /<n>\/<duration>/],
    ['--query-rate 10/25h (over a day)', ['--query-rate', '10/25h'], /1 ms to 24 h/],
    ['--query-rate 10/1d (unknown unit)', ['--query-rate', '10/1d'], /<n>\/<duration>/],
    ['--query-rate 4294967296/1s', ['--query-rate', '4294967296/1s'], /<n>\/<duration>/],
  ])('%s is a usage error naming the flag and the value', async (_name, extra, why) => {
    const e = await refusal(flags(...extra));
    expect(e.code).toBe('E_USAGE');
    const message = e.message;
    expect(message).toContain(`'${extra[0]} <`);
    expect(message).toContain(`argument '${extra[1]}' is invalid`);
    expect(message).toMatch(why);
  });
});

describe('the queryLimits record', () => {
  const limits = { lifetime: 6000, perBoot: 300, rateCount: 10, rateWindowMs: 1000 };
  const bytes = buildPackage(model, {
    master,
    deviceUid: uid,
    version: '1.0.0',
    securityCounter: 2,
    queryLimits: limits,
  }).bytes;

  test('round trip: record 9 of 16 bytes inside the tagged part; inspect shows it', () => {
    const d = decodePackage(bytes);
    expect(d.queryLimits).toEqual(limits);
    const r = d.records.find((x) => x.name === 'queryLimits')!;
    expect(r).toMatchObject({ type: 9, length: 16 });
    expect(r.valueOffset + r.length).toBeLessThanOrEqual(d.signed.length);
    expect(bytes.readUInt32LE(r.valueOffset)).toBe(6000);
    const report = inspectPackage(bytes, 'p.elp');
    expect(report.queryLimits).toEqual(limits);
    expect(formatPackageReport(report, 'p.elp')).toMatch(
      /query limits +6000 over the board's life \(per security counter\), 300 per boot, 10 per 1 s/,
    );
    const plain = buildPackage(model, { master, deviceUid: uid, version: '1.0.0', securityCounter: 2 }).bytes;
    expect(decodePackage(plain).queryLimits).toBeUndefined();
    expect(inspectPackage(plain, 'q.elp').queryLimits).toBeNull();
  });

  test('a record the board would refuse is refused by the host reader too', () => {
    const d = decodePackage(bytes);
    const at = d.records.find((x) => x.name === 'queryLimits')!.valueOffset;
    const zero = Buffer.from(bytes);
    zero.fill(0, at, at + 16);
    expect(code(() => decodePackage(zero))).toBe('E_PACKAGE_INVALID');
    const reserved = Buffer.from(bytes);
    reserved.writeUInt32LE(0xffffffff, d.records.find((x) => x.name === 'securityCounter')!.valueOffset);
    expect(code(() => decodePackage(reserved))).toBe('E_PACKAGE_INVALID');
  });

  test("the report's query-limit entry names the package's budget, and says 'not applied' without one", async () => {
    const withLimits = await buildReport({ artefact: { bytes, file: 'p.elp' } });
    const e = withLimits.protections.find((p) => p.id === 'query-limit')!;
    expect(e.applied).toBe(true);
    expect(e.details).toEqual(
      expect.arrayContaining([
        ['lifetime', '6000 inferences per security counter'],
        ['per boot', '300 inferences'],
        ['rate', '10 per 1000 ms'],
      ]),
    );
    expect(e.aspects.method).not.toMatch(/not applied/);
    expect(e.stops.length).toBeGreaterThan(0);
    const plain = buildPackage(model, { master, deviceUid: uid, version: '1.0.0', securityCounter: 2 }).bytes;
    const without = await buildReport({ artefact: { bytes: plain, file: 'q.elp' } });
    const n = without.protections.find((p) => p.id === 'query-limit')!;
    expect(n.applied).toBe(false);
    expect(n.aspects.method).toBe('not applied to this artefact');
  });
});

test('edgelock package --max-queries/--max-queries-per-boot/--query-rate: written into the package; 0 is a usage error and writes nothing', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-qlimits-'));
  try {
    const keyFile = path.join(work, 'master.key');
    fs.writeFileSync(keyFile, Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1)), { mode: 0o600 });
    const modelFile = path.join(work, 'm.tflite');
    fs.writeFileSync(modelFile, model);
    const common = ['package', modelFile, '--key', keyFile, '--device-uid', uid.toString('hex'), '--version', '1.0.0'];
    const ok = runCli([
      ...common,
      '-o',
      path.join(work, 'a.elp'),
      '--security-counter',
      '1',
      '--max-queries',
      '1000',
      '--max-queries-per-boot',
      '100',
      '--query-rate',
      '10/1s',
      '--json',
    ]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).queryLimits).toEqual({
      lifetime: 1000,
      perBoot: 100,
      rateCount: 10,
      rateWindowMs: 1000,
    });
    expect(decodePackage(fs.readFileSync(path.join(work, 'a.elp'))).queryLimits!.lifetime).toBe(1000);
    const zero = runCli([...common, '-o', path.join(work, 'b.elp'), '--security-counter', '1', '--max-queries', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(
      /^error E_USAGE: option '--max-queries <n>' argument '0' is invalid\. Expected an integer 1\.\.4294967295 \(leave the flag out for no limit; 0 would answer nothing\)/,
    );
    expect(fs.existsSync(path.join(work, 'b.elp'))).toBe(false);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
