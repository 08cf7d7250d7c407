import * as fs from 'fs';
import * as path from 'path';
import { compileFloat } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import { EdgelockError } from '../../src/errors';
import { compareWithOnnx } from './helpers/compare';
import { GraphBuilder } from './helpers/graph';

/** Every zoo model (models/*.onnx and the PyTorch exports), compiled float32 and run in the official TFLite runtime. */
const ROOT = path.resolve(__dirname, '../../models');
const ZOO = [ROOT, path.join(ROOT, 'pytorch')]
  .filter((d) => fs.existsSync(d))
  .flatMap((d) =>
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => path.join(d, f)),
  )
  .sort();

test('the zoo is present', () => {
  expect(ZOO.length).toBeGreaterThanOrEqual(2);
});

/**
 * PyTorch exports with LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div (import fixtures, not
 * zoo models): the Sqrt → Div pair lowers to RSQRT + MUL and the model matches onnxruntime.
 */
const IMPORT_FIXTURES = path.resolve(__dirname, '../fixtures/import');
describe.each(['torch-mlp-opset11.onnx', 'torch-mlp-opset13.onnx'])('%s (decomposed LayerNorm)', (name) => {
  test('compiles with RSQRT and matches onnxruntime within 1e-5 of the output range', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(IMPORT_FIXTURES, name)));
    const compiled = compileFloat(bytes);
    const ops = compiled.graph.ops.map((o) => o.op);
    expect(ops).toContain('RSQRT');
    expect(ops).not.toContain('SQRT');
    const cmp = await compareWithOnnx(bytes, serialize(compiled.graph), compiled.graph, { samples: 8 });
    expect(cmp.worstRelative).toBeLessThanOrEqual(1e-5);
  });
});

test('an op with no TFLite lowering stops with E_TFLITE_UNSUPPORTED naming the node and its op', () => {
  const b = new GraphBuilder(13, 2);
  b.output(b.node('Erf', [b.node('MatMul', [b.input('x', [1, 4]), b.weight('w', [4, 4])])], {}, 'gelu_erf'));
  let error: unknown;
  try {
    compileFloat(b.bytes());
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EdgelockError);
  const e = error as EdgelockError;
  expect(e.code).toBe('E_TFLITE_UNSUPPORTED');
  expect(e.location).toMatchObject({ node: 'gelu_erf', op: 'Erf' });
  expect(e.message).toContain('gelu_erf');
});

/** Zoo models that are convolutional networks (MLPerf-Tiny shapes, LeNet, the PyTorch CNN). */
const CONV_NETWORKS = /(cifar-resnet8|kws-dscnn|mnist-lenet|torch-cnn)/;

// Every zoo model compiles: models with no TFLite lowering are kept out of models/.
const SUPPORTED = ZOO;

describe.each(SUPPORTED.map((f) => [path.relative(ROOT, f), f]))('%s', (_name, file) => {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const compiled = compileFloat(bytes);
  const tflite = serialize(compiled.graph);

  test('matches onnxruntime within 1e-5 of the output range over 32 random inputs', async () => {
    const r = await compareWithOnnx(bytes, tflite, compiled.graph, { samples: 32, seed: 11 });
    expect(r.samples).toBe(32);
    expect(r.worstRelative).toBeLessThanOrEqual(1e-5);
  });

  test('every activation names the ONNX value whose range it carries; every constant has a role', () => {
    const g = compiled.model.graph;
    const values = new Set([...g.inputs.map((v) => v.name), ...g.nodes.flatMap((n) => n.outputs)]);
    for (const t of compiled.graph.tensors) {
      if (t.data)
        expect([t.name, t.role]).toEqual([
          t.name,
          expect.stringMatching(/^(conv-weight|depthwise-weight|fc-weight|bias|const-operand|shape)$/),
        ]);
      else expect([t.name, values.has(t.source ?? '')]).toEqual([t.name, true]);
    }
  });

  test('compiles without TRANSPOSE ops (conv networks included)', () => {
    const hasConv = compiled.model.graph.nodes.some((n) => n.opType === 'Conv');
    expect(hasConv).toBe(CONV_NETWORKS.test(_name));
    expect(compiled.graph.ops.filter((o) => o.op === 'TRANSPOSE')).toEqual([]);
  });
});

describe('a PyTorch export with a symbolic batch (test/compiler/fixtures/torch-dynbatch-opset13.onnx)', () => {
  const file = path.resolve(__dirname, 'fixtures/torch-dynbatch-opset13.onnx');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const compiled = compileFloat(bytes);

  test('pins the batch to 1 with a note and matches onnxruntime', async () => {
    expect(compiled.notes.join('\n')).toMatch(/input 'x': symbolic batch dimension 'batch' pinned to 1/);
    const r = await compareWithOnnx(bytes, serialize(compiled.graph), compiled.graph, { samples: 32, seed: 3 });
    expect(r.worstRelative).toBeLessThanOrEqual(1e-5);
  });

  test('HardSigmoid·x becomes HARD_SWISH, Relu+Clip one fused RELU6, no TRANSPOSE', () => {
    const ops = compiled.graph.ops.map((o) => o.op);
    expect(ops).toContain('HARD_SWISH');
    expect(ops).not.toContain('TRANSPOSE');
    expect(ops).not.toContain('RELU6');
    const dw = compiled.graph.ops.find((o) => o.op === 'DEPTHWISE_CONV_2D')!;
    expect(dw.options).toMatchObject({ fusedActivation: 'RELU6' });
  });
});
