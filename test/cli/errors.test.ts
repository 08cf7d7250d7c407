import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { writeOnnx } from '../../src/onnx/writer';
import { Model } from '../../src/ir/types';
import { makeTensor } from '../../src/ir/tensor';
import { runCli } from '../helpers/cli';
import { onnx } from 'onnx-proto';

const dir = mkdtempSync(join(tmpdir(), 'edgelock-cli-'));

function tinyModel(opType: string, domain = ''): Model {
  return {
    irVersion: 8,
    producerName: 'test',
    producerVersion: '',
    domain: '',
    modelVersion: 1,
    docString: '',
    opsetImports: [{ domain: '', version: 13 }],
    metadata: {},
    graph: {
      name: 'g',
      nodes: [{ name: 'the_node', opType, domain, inputs: ['x', 'w'], outputs: ['y'], attrs: {} }],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
      initializers: new Map([['w', makeTensor('float32', [1, 4], [1, 2, 3, 4])]]),
      valueInfo: new Map(),
    },
  };
}

/** Every failure is one `error E_CODE: ...` line on stderr, a non-zero exit and no stack trace. */
function expectOneLineError(r: { status: number; stdout: string; stderr: string }, code: string): void {
  expect(r.status).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: `));
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('CLI error handling', () => {
  const good = join(dir, 'good.onnx');
  beforeAll(() => writeFileSync(good, writeOnnx(tinyModel('Add'))));

  test('a valid model inspects with exit 0', () => {
    const r = runCli(['inspect', good, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'onnx', params: 4, ops: { Add: 1 } });
  });

  test('truncated ONNX file', () => {
    const bytes = readFileSync(good);
    const p = join(dir, 'truncated.onnx');
    writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expectOneLineError(runCli(['inspect', p]), 'E_ONNX_PARSE');
  });

  test('random bytes', () => {
    const p = join(dir, 'random.onnx');
    const b = Buffer.alloc(4096);
    let s = 12345;
    for (let i = 0; i < b.length; i++) b[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    b[0] = 0x17; // make sure it does not start like a protobuf ModelProto
    writeFileSync(p, b);
    expectOneLineError(runCli(['inspect', p]), 'E_FORMAT_UNKNOWN');
  });

  test('random bytes that start like protobuf', () => {
    const p = join(dir, 'random2.onnx');
    const b = Buffer.alloc(2048);
    let s = 999;
    for (let i = 0; i < b.length; i++) b[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    b[0] = 0x08;
    b[1] = 0x07;
    writeFileSync(p, b);
    expectOneLineError(runCli(['inspect', p]), 'E_ONNX_PARSE');
  });

  test('missing file', () => {
    expectOneLineError(runCli(['inspect', join(dir, 'nope.onnx')]), 'E_FILE_NOT_FOUND');
  });

  test('unsupported op names the node and the op', () => {
    const p = join(dir, 'unsupported.onnx');
    writeFileSync(p, writeOnnx(tinyModel('Einsum')));
    const r = runCli(['inspect', p]);
    expectOneLineError(r, 'E_ONNX_UNSUPPORTED_OP');
    expect(r.stderr).toContain("node 'the_node'");
    expect(r.stderr).toContain('Einsum');
  });

  test('unknown opset domain', () => {
    const m = tinyModel('Add');
    m.opsetImports.push({ domain: 'com.example.secret', version: 1 });
    const p = join(dir, 'domain.onnx');
    writeFileSync(p, writeOnnx(m));
    expectOneLineError(runCli(['inspect', p]), 'E_ONNX_DOMAIN');
  });

  test('a TFLite file where ONNX is required', () => {
    const tfl = Buffer.alloc(64);
    tfl.write('TFL3', 4, 'ascii');
    const p = join(dir, 'model.onnx');
    writeFileSync(p, tfl);
    const r = runCli(['optimize', p, '-o', join(dir, 'out.onnx')]);
    expectOneLineError(r, 'E_FORMAT_MISMATCH');
    expect(r.stderr).toContain('TFLite');
    expectOneLineError(runCli(['compile', p, '-o', join(dir, 'out.tflite'), '--float']), 'E_FORMAT_MISMATCH');
  });

  test('tensors in external data files', () => {
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: [{ name: 'add', opType: 'Add', input: ['x', 'w'], output: ['y'] }],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
          initializer: [
            { name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] },
          ],
        },
      }),
    ).finish();
    const p = join(dir, 'external.onnx');
    writeFileSync(p, bytes);
    expectOneLineError(runCli(['inspect', p]), 'E_ONNX_EXTERNAL_DATA');
  });

  test('unknown command and option are usage errors', () => {
    expectOneLineError(runCli(['frobnicate']), 'E_USAGE');
    expectOneLineError(runCli(['inspect', good, '--no-such-flag']), 'E_USAGE');
  });

  test('--debug adds the stack trace', () => {
    const r = runCli(['inspect', join(dir, 'nope.onnx'), '--debug']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error E_FILE_NOT_FOUND/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
