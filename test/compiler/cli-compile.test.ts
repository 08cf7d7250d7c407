import { runCommandsInProcess } from '../helpers/cli';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { register } from '../../src/cli/commands/compile';
import { compileFloat } from '../../src/compiler/compile-float';
import { planMemory } from '../../src/compiler/memory-plan';
import { plannable } from '../../src/compiler/plannable';
import { serialize } from '../../src/compiler/serialize';
import { EdgelockError } from '../../src/errors';
import { inspectTflite, formatTfliteReport } from '../../src/inspect/tflite';
import { serializeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { TfliteOracle } from '../../src/tflite/oracle';
import { seededRandom } from '../helpers/ort';

/** `edgelock compile` run in-process through its commander registration, and the .tflite inspector. */
const MODEL = path.resolve(__dirname, '../../models/pytorch/torch-cnn-opset13.onnx');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-compile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<string> {
  return runCommandsInProcess([register], args);
}

async function runError(args: string[]): Promise<EdgelockError> {
  try {
    await run(args);
  } catch (e) {
    if (e instanceof EdgelockError) return e;
    throw e;
  }
  throw new Error('command succeeded');
}

test('--float --json writes a model the TFLite runtime loads and reports ops, tensors, bytes, arena, registrations', async () => {
  const out = path.join(dir, 'cnn.tflite');
  const header = path.join(dir, 'cnn.h');
  const json = JSON.parse(await run(['compile', MODEL, '-o', out, '--float', '--c-array', header, '--json']));
  const bytes = new Uint8Array(fs.readFileSync(out));
  expect(json.modelBytes).toBe(bytes.length);
  expect(json.precision).toBe('float32');
  expect(json.inputLayout).toBe('auto');
  expect(json.inputs[0]).toMatchObject({ name: 'input', dtype: 'float32', shape: [1, 32, 32, 3], layout: 'nhwc' });
  expect(json.ops.map((o: { op: string }) => o.op)).toEqual(
    expect.arrayContaining(['CONV_2D', 'DEPTHWISE_CONV_2D', 'MEAN', 'FULLY_CONNECTED']),
  );
  expect(json.ops.find((o: { op: string }) => o.op === 'TRANSPOSE')).toBeUndefined();
  expect(json.register.map((r: { call: string }) => r.call)).toEqual(
    expect.arrayContaining(['AddConv2D', 'AddDepthwiseConv2D', 'AddMean', 'AddFullyConnected']),
  );
  expect(json.arenaBytes).toBeGreaterThan(0);
  expect(json.tensors).toBeGreaterThan(json.ops.length);
  expect(fs.readFileSync(header, 'utf8')).toContain(`const unsigned int cnn_tflite_len = ${bytes.length};`);
  const oracle = await TfliteOracle.load(bytes);
  expect(oracle.outputShapes).toEqual([[1, 10]]);
  oracle.dispose();
  // no temp files left behind by the atomic writes
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('text output lists the op table and what to register', async () => {
  const text = await run(['compile', MODEL, '-o', path.join(dir, 'cnn2.tflite')]);
  expect(text).toMatch(/float32 TFLite model/);
  expect(text).toMatch(/CONV_2D\s+1\s+\d+/);
  expect(text).toMatch(/firmware must register: .*AddConv2D\(\)/);
  expect(text).toMatch(/estimated tensor arena/);
});

test('--int8 with a .npy calibration set: int8 I/O by default, float I/O on request', async () => {
  const rand = seededRandom(5);
  const n = 24;
  const samples = new Float32Array(n * 3 * 32 * 32).map(() => rand() * 2 - 1);
  const npy = path.join(dir, 'calib.npy');
  fs.writeFileSync(npy, serializeNpy(makeTensor('float32', [n, 3, 32, 32], samples)));
  const q = JSON.parse(
    await run(['compile', MODEL, '-o', path.join(dir, 'q.tflite'), '--int8', '--calib', npy, '--json']),
  );
  expect(q.precision).toBe('int8');
  expect(q.inputs[0].dtype).toBe('int8');
  expect(q.inputs[0].scale).toBeGreaterThan(0);
  const f = JSON.parse(
    await run([
      'compile',
      MODEL,
      '-o',
      path.join(dir, 'qf.tflite'),
      '--calib',
      npy,
      '--io',
      'float',
      '--calib-method',
      'percentile',
      '--json',
    ]),
  );
  expect(f.precision).toBe('int8');
  expect(f.inputs[0].dtype).toBe('float32');
  expect(f.ops.map((o: { op: string }) => o.op)).toEqual(expect.arrayContaining(['QUANTIZE', 'DEQUANTIZE']));
  for (const file of ['q.tflite', 'qf.tflite']) {
    const oracle = await TfliteOracle.load(new Uint8Array(fs.readFileSync(path.join(dir, file))));
    oracle.dispose();
  }
});

test.each([
  [['--int8'], 'E_USAGE'],
  [['--float', '--int8'], 'E_USAGE'],
  [['--float', '--io', 'int8'], 'E_USAGE'],
  [['--float', '--calib', 'mnist-test'], 'E_USAGE'],
  [['--input-layout', 'nwhc'], 'E_USAGE'],
  [['--calib', 'x.npy', '--calib-method', 'median'], 'E_USAGE'],
])('bad flags %j → %s', async (flags, code) => {
  const e = await runError(['compile', MODEL, '-o', path.join(dir, 'bad.tflite'), ...(flags as string[])]);
  expect(e.code).toBe(code);
  expect(fs.existsSync(path.join(dir, 'bad.tflite'))).toBe(false);
});

test('a .tflite given as the input is refused with E_FORMAT_MISMATCH; a missing -o with E_USAGE', async () => {
  const tfl = path.join(dir, 'cnn.tflite');
  if (!fs.existsSync(tfl)) fs.writeFileSync(tfl, serialize(compileFloat(new Uint8Array(fs.readFileSync(MODEL))).graph));
  expect((await runError(['compile', tfl, '-o', path.join(dir, 'x.tflite')])).code).toBe('E_FORMAT_MISMATCH');
  expect((await runError(['compile', MODEL])).code).toBe('E_USAGE');
  fs.writeFileSync(path.join(dir, 'junk.onnx'), Buffer.from('not a model at all'));
  expect((await runError(['compile', path.join(dir, 'junk.onnx'), '-o', path.join(dir, 'x.tflite')])).code).toMatch(
    /^E_(FORMAT_UNKNOWN|ONNX_PARSE)$/,
  );
});

describe('inspect for .tflite', () => {
  const onnx = new Uint8Array(fs.readFileSync(MODEL));
  const compiled = compileFloat(onnx);
  const bytes = serialize(compiled.graph);
  const report = inspectTflite(bytes, 'cnn.tflite');

  test('reports inputs, outputs, op histogram with versions, tensors, params, provenance and the arena estimate', () => {
    const g = compiled.graph;
    expect(report.format).toBe('tflite');
    expect(report.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [1, 32, 32, 3] }]);
    expect(report.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: [1, 10] }]);
    const hist: Record<string, number> = {};
    for (const op of g.ops) hist[op.op] = (hist[op.op] ?? 0) + 1;
    expect(report.ops).toEqual(hist);
    expect(report.operators.every((o) => o.version === 1 && o.registration)).toBe(true);
    expect(report.tensors).toBe(g.tensors.length);
    expect(report.params).toBe(g.tensors.filter((t) => t.data).reduce((n, t) => n + t.data!.length, 0));
    expect(report.edgelock).toMatchObject({ sourceSha256: compiled.sourceSha256, precision: 'float32' });
    // the estimate from the file equals the one from the in-memory graph
    expect(report.arenaBytes).toBe(planMemory(plannable(g)).arenaBytes);
    expect(report.fileBytes).toBe(bytes.length);
  });

  test('text form names the file, the ops and the provenance', () => {
    const text = formatTfliteReport(report, 'cnn.tflite');
    expect(text).toContain('cnn.tflite: TFLite model');
    expect(text).toContain(compiled.sourceSha256);
    expect(text).toMatch(/CONV_2D\s+1\s+\d+\s+AddConv2D/);
  });

  test('truncated bytes fail with E_TFLITE_PARSE', () => {
    expect(() => inspectTflite(bytes.subarray(0, 200), 'cut.tflite')).toThrow(
      expect.objectContaining({ code: 'E_TFLITE_PARSE' }),
    );
  });
});
