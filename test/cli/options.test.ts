/**
 * Thin commands: commander checks required options and parses numbers with the shared parsers
 * (src/cli/option-parsers.ts); its errors are one-line E_USAGE errors; help prints the defaults the code uses.
 */
import { CALIBRATE_DEFAULTS } from '../../src/watermark/calibrate';
import { EMBED_DEFAULTS } from '../../src/watermark/embed';
import { DEFAULT_ALPHA } from '../../src/watermark/score';
import {
  collect,
  collectList,
  decimalRange,
  fraction,
  intRange,
  integer,
  nonNegativeInt,
  openUnit,
  positiveInt,
  positiveNumber,
  ratePpm,
} from '../../src/cli/option-parsers';
import { COMPILE_DEFAULTS } from '../../src/compiler/compile';
import { DEFAULT_SCHEME } from '../../src/lock/schemes';
import { DEFAULT_RETRY_MS } from '../../src/factory/db-postgres';
import { DEFAULT_PREVIOUS_COUNTER } from '../../src/package/security-counter';
import { DEFAULT_TEMPERATURE } from '../../src/attack/distill';
import { DISTILL_CLI_DEFAULTS } from '../../src/cli/commands/attack-distill';
import { TRACE_CLI_DEFAULTS } from '../../src/cli/commands/trace';
import { expectUsageError, runCli } from '../helpers/cli';

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

test('watermark embed --help prints the defaults embedWatermark uses', () => {
  const r = runCli(['watermark', 'embed', '--help']);
  expect(r.status).toBe(0);
  const help = oneLine(r.stdout);
  expect(help).toContain(`data standard deviations (default: ${EMBED_DEFAULTS.strength})`);
  expect(help).toContain(`number of triggers (default: ${EMBED_DEFAULTS.triggers})`);
  expect(help).toContain(`fine-tuning epochs (default: ${EMBED_DEFAULTS.epochs})`);
  expect(help).toContain(`(default ${100 * EMBED_DEFAULTS.positionsFraction}% of the input)`);
  expect(help).toContain(`(default: ${EMBED_DEFAULTS.lr})`);
});

test('watermark calibrate and verify --help print the defaults their code uses', () => {
  const cal = oneLine(runCli(['watermark', 'calibrate', '--help']).stdout);
  expect(cal).toContain(`clean models to train (default: ${CALIBRATE_DEFAULTS.models})`);
  expect(cal).toContain(`epochs per clean model (default: ${CALIBRATE_DEFAULTS.epochs})`);
  expect(cal).toContain(`in addition to the owner's (default: ${CALIBRATE_DEFAULTS.probes})`);
  const verify = oneLine(runCli(['watermark', 'verify', '--help']).stdout);
  expect(verify).toContain(`threshold for the verdict (default: ${DEFAULT_ALPHA})`);
});

test('compile and lock --help print the defaults their code uses', () => {
  const compile = oneLine(runCli(['compile', '--help']).stdout);
  expect(compile).toContain(`activation ranges (default ${COMPILE_DEFAULTS.calibrationMethod})`);
  expect(compile).toContain(`input/output tensors (default ${COMPILE_DEFAULTS.io})`);
  expect(compile).toContain(`is fed (default ${COMPILE_DEFAULTS.inputLayout})`);
  expect(oneLine(runCli(['lock', '--help']).stdout)).toContain(
    `locking scheme (choices: "seal", "hpnn", default: "${DEFAULT_SCHEME}")`,
  );
});

const W = ['--owner', 'acme', '--key', 'k.key', '--data', 'mnist-train'];
const PKG = ['package', 'm.tflite', '-o', 'p.elp', '--key', 'k', '--device-uid', '00', '--version', '1.0.0'];
test.each([
  [
    ['watermark', 'embed', 'in.onnx', '-o', 'out.onnx', '--key', 'k', '--data', 'mnist-train'],
    /required option '--owner <id>'/,
  ],
  [['watermark', 'embed', 'in.onnx', ...W], /required option '-o, --output <out.onnx>'/],
  [
    ['watermark', 'embed', 'in.onnx', '-o', 'o.onnx', ...W, '--triggers', '1.5'],
    /'--triggers <n>' argument '1.5' is invalid/,
  ],
  [['watermark', 'embed', 'in.onnx', '-o', 'o.onnx', ...W, '--epochs', '0'], /'--epochs <n>' argument '0' is invalid/],
  [['watermark', 'verify', 'm.onnx', ...W, '--alpha', 'x'], /'--alpha <a>' argument 'x' is invalid/],
  [['watermark', 'calibrate', 'm.onnx', '--owner', 'a', '--key', 'k'], /required option '--data <data>'/],
  [['lock', 'm.onnx', '--key', 'k', '--device-uid', '00'], /required option '-o, --output <file>'/],
  [
    ['lock', 'm.onnx', '-o', 'l.onnx', '--key', 'k', '--model-key', '--scheme', 'xor'],
    /'--scheme <name>' argument 'xor' is invalid/,
  ],
  [
    ['package', 'm.tflite', '-o', 'p.elp', '--key', 'k', '--version', '1.0.0', '--security-counter', '1'],
    /required option '--device-uid <uid>'/,
  ],
  [
    [...PKG, '--security-counter', '-1'],
    /'--security-counter <n>' argument '-1' is invalid\. Expected an integer 0\.\.4294967295/,
  ],
  [[...PKG, '--security-counter', '4294967296'], /'--security-counter <n>' argument '4294967296' is invalid/],
  [
    [...PKG, '--security-counter', '1', '--previous-counter', '4294967295'],
    /'--previous-counter <n>' argument '4294967295' is invalid\. Expected an integer 0\.\.4294967294/,
  ],
  [
    [...PKG, '--security-counter', '1', '--response-mark', '150%'],
    /'--response-mark <rate>' argument '150%' is invalid\. Expected a rate in \(0, 1\]/,
  ],
  [
    ['response-mark', 'verify', '--key', 'k', '--base', 'm.tflite', '--rate', '0'],
    /'--rate <r>' argument '0' is invalid/,
  ],
  [
    ['compile', 'm.onnx', '-o', 'm.tflite', '--float', '--int8'],
    /option '--float' cannot be used with option '--int8'/,
  ],
  [
    ['trace', '--base', 'b', '--key', 'k', '--model', 'm.tflite', '--port', 'p'],
    /option '--port <port>' cannot be used with option '--model <leaked.tflite>'/,
  ],
  [['keygen'], /required option '-o, --output <file>'/],
  [['eval', 'm.onnx', '--data', 'mnist-test', '--limit', '-3'], /'--limit <n>' argument '-3' is invalid/],
  [['compile', 'm.onnx', '-o', 'm.tflite', '--io', 'int16'], /Allowed choices are int8, float/],
  [['factory', 'export', '--db', 'f.db'], /required option '--format <csv\|json>'/],
  [['provision', '--port', 'p', '--master-key', 'k', '--db-retry', 'soon'], /'--db-retry <seconds>' argument 'soon'/],
  [['attack', 'm.onnx', '--data', 'mnist-train', '--fraction', '2'], /'--fraction <f>' argument '2' is invalid/],
  [['attack', 'm.onnx', '--fraction', '0.1', '--seed', '1.5'], /'--seed <n>' argument '1.5' is invalid/],
  [['attack', 'm.onnx', '--only', 'distill', '--slot', '-1'], /'--slot <n>' argument '-1' is invalid/],
  [['attack', 'm.onnx', '--only', 'distill', '--lr', '0'], /'--lr <r>' argument '0' is invalid/],
  [['trace', '--base', 'b', '--key', 'k', '--queries', '100001'], /'--queries <n>' argument '100001' is invalid/],
  [['trace', '--base', 'b', '--key', 'k', '--alpha', '0'], /'--alpha <p>' argument '0' is invalid/],
  [['trace', '--base', 'b', '--key', 'k', '--stamp-votes', '65'], /'--stamp-votes <n>' argument '65' is invalid/],
  [['trace', '--key', 'k', '--model', 'm.tflite'], /required option '--base <model.tflite>'/],
  [['fingerprint', 'create', 'm.onnx'], /required option '-o, --output <fp.json>'/],
  [['device', 'info'], /required option '--port <path>'/],
  [['device', 'run', '--port', 'p'], /required option '--input <file.npy>'/],
  [['device', 'load-dev', 'm.tflite', '--port', 'p', '--slot', '9'], /'--slot <n>' argument '9' is invalid/],
  [['fingerprint', 'create', 'm.onnx', '-o', 'f.json', '--count', '0'], /'--count <n>' argument '0' is invalid/],
  [['fingerprint', 'verify', 'f.json', '--port', 'p', '--slot', 'x'], /'--slot <n>' argument 'x' is invalid/],
  [['verify', '--key', 'k'], /required option '--port <path>'/],
  [['flash', 'a.elp'], /required option '--port <path>'/],
  [['provision', '--master-key', 'k'], /required option '--port <path>'/],
  [['verify', '--port', ',', '--key', 'k'], /'--port <path>' argument ',' is invalid/],
  [['verify', '--port', 'p', '--key', 'k', '--alpha', '1'], /'--alpha <a>' argument '1' is invalid/],
  [['response-mark', 'verify', '--key', 'k', '--decoys', '0'], /'--decoys <n>' argument '0' is invalid/],
])('%j is a one-line usage error before anything runs', (args, message) => {
  const r = runCli(args as string[]);
  expectUsageError(r, message);
  expect(r.stdout).toBe('');
});

test('attack, trace and fingerprint --help print the defaults their code uses', () => {
  const attack = oneLine(runCli(['attack', '--help']).stdout);
  expect(attack).toContain(`queries the attacker spends (default ${DISTILL_CLI_DEFAULTS.queries})`);
  expect(attack).toContain(`temperature of soft labels (default ${DEFAULT_TEMPERATURE})`);
  expect(attack).toContain(`ownership checks (default ${DEFAULT_ALPHA})`);
  expect(attack).toContain(`not queried (default ${DISTILL_CLI_DEFAULTS.ownerCalib})`);
  const trace = oneLine(runCli(['trace', '--help']).stdout);
  expect(trace).toContain(
    `how many probes to query (at most 100000; ${TRACE_CLI_DEFAULTS.hardLabelQueries} with --hard-labels; on ` +
      'boundary probes a pruned leak is asked as many again) ' +
      `(default: ${TRACE_CLI_DEFAULTS.queries})`,
  );
  expect(trace).toContain(`at most this (default: ${TRACE_CLI_DEFAULTS.alpha})`);
  expect(oneLine(runCli(['fingerprint', 'create', '--help']).stdout)).toContain(`fingerprint inputs (default: 200)`);
});

test('verify, provision and package --help print the defaults their code uses', () => {
  expect(oneLine(runCli(['verify', '--help']).stdout)).toContain(`significance level (default: ${DEFAULT_ALPHA})`);
  expect(oneLine(runCli(['provision', '--help']).stdout)).toContain(
    `before stopping (default: ${DEFAULT_RETRY_MS / 1000})`,
  );
  expect(oneLine(runCli(['package', '--help']).stdout)).toContain(
    `current package (default ${DEFAULT_PREVIOUS_COUNTER})`,
  );
});

test('the shared parsers accept what they promise and refuse the rest', () => {
  expect(positiveInt('3')).toBe(3);
  for (const bad of ['0', '-1', '1.5', '', ' ', 'x', '1e400'])
    expect(() => positiveInt(bad)).toThrow(/positive integer/);
  expect(nonNegativeInt('0')).toBe(0);
  expect(() => nonNegativeInt('-1')).toThrow();
  expect(integer('-7')).toBe(-7);
  expect(() => integer('2.5')).toThrow();
  expect(fraction('1')).toBe(1);
  expect(() => fraction('0')).toThrow();
  expect(openUnit('0.01')).toBe(0.01);
  expect(() => openUnit('1')).toThrow();
  expect(collectList('c,d', collectList('a, b'))).toEqual(['a', 'b', 'c', 'd']);
  expect(() => collectList(' , ')).toThrow(/at least one/);
  expect(intRange(0, 3)('3')).toBe(3);
  for (const bad of ['4', '-1', '0.5', '']) expect(() => intRange(0, 3)(bad)).toThrow(/integer 0\.\.3/);
  expect(positiveNumber('0.5')).toBe(0.5);
  for (const bad of ['0', '-1', 'x', 'Infinity']) expect(() => positiveNumber(bad)).toThrow(/> 0/);
  expect(collect('x:1,2', collect('a'))).toEqual(['a', 'x:1,2']);
  expect(decimalRange(0, 9)('9')).toBe(9);
  for (const bad of ['10', '-1', '1e0', '0x1', '1.0', ''])
    expect(() => decimalRange(0, 9)(bad)).toThrow(/integer 0\.\.9/);
  expect(ratePpm('0.5%')).toBe(5000);
  expect(ratePpm('0.005')).toBe(5000);
  expect(ratePpm('1')).toBe(1_000_000);
  for (const bad of ['0', '1.5', '101%', '0.0000001', '-0.1', 'x', ''])
    expect(() => ratePpm(bad)).toThrow(/rate in \(0, 1\]/);
});
