/** Models the runtime must refuse in Prepare, each with the status that names the reason. */
import * as G from '../../src/tflite/generated';
import { options, TfliteBuilder } from '../../src/tflite/builder';
import { buildHarness, runC } from './harness';
import * as M from './models';
import * as flatbuffers from 'flatbuffers';

let exe: string;
beforeAll(() => {
  exe = buildHarness(true);
});

function status(model: Uint8Array, inputBytes: number): string {
  return runC(exe, model, [new Int8Array(inputBytes)]).status;
}

/** x -> op -> y with int8 tensors (or an int16 input). */
function single(
  op: 'RELU' | 'DIV' | 'SOFTMAX' | 'EXP',
  opts: { inDtype?: 'int8' | 'int16'; outScale?: number; version?: number } = {},
): Uint8Array {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 8], dtype: opts.inDtype ?? 'int8', quantization: M.q(0.05, 0) });
  const y = b.addTensor({ name: 'y', shape: [1, 8], dtype: 'int8', quantization: M.q(opts.outScale ?? 1 / 256, -128) });
  const inputs = op === 'DIV' ? [x, x] : [x];
  const o =
    op === 'SOFTMAX' ? options(G.SoftmaxOptionsT, { beta: 1 }) : op === 'DIV' ? options(G.DivOptionsT) : undefined;
  b.addOperator({ op, version: opts.version ?? 1, inputs, outputs: [y], options: o });
  return b.setInputs([x]).setOutputs([y]).finish();
}

test('an operator the runtime does not implement', () => {
  // EXP has a TFLite builtin but no kernel in edgelock's runtime (src/tflite/builtins.ts: runtime false)
  expect(status(single('EXP'), 8)).toBe('unsupported operator');
});

test('an int8 DIV (the runtime implements DIV in float only, like TFLite)', () => {
  expect(status(single('DIV'), 8)).toBe('unsupported tensor type');
});

test('an operator version beyond the kernel', () => {
  expect(status(single('RELU', { version: 9 }), 8)).toBe('unsupported operator version');
});

test('an int16 activation', () => {
  expect(status(single('RELU', { inDtype: 'int16' }), 16)).toBe('unsupported tensor type');
});

test('SOFTMAX with an output scale other than 1/256', () => {
  expect(status(single('SOFTMAX', { outScale: 0.01 }), 8)).toBe('invalid quantisation');
});

test('CONV_2D whose output shape does not follow from padding and stride', () => {
  const ok = M.conv2d(130, { inShape: [1, 6, 6, 2], outC: 3, k: [3, 3], stride: [1, 1], padding: 'VALID' });
  expect(status(ok.model, 72)).toBe('ok');
  // the same conv declared SAME: the 4x4 output no longer matches ceil(6 / 1) = 6
  const bad = M.conv2d(130, { inShape: [1, 6, 6, 2], outC: 3, k: [3, 3], stride: [1, 1], padding: 'VALID' });
  const patched = patchConvPadding(bad.model);
  expect(status(patched, 72)).toBe('inconsistent shapes');
});

test('a fused TANH activation', () => {
  const m = M.conv2d(131, {
    inShape: [1, 4, 4, 1],
    outC: 1,
    k: [1, 1],
    stride: [1, 1],
    padding: 'VALID',
    activation: 4,
  });
  expect(status(m.model, 16)).toBe('unsupported operator options');
});

test('an operator reading a tensor nobody writes', () => {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 8], dtype: 'int8', quantization: M.q(0.05, 0) });
  const ghost = b.addTensor({ name: 'ghost', shape: [1, 8], dtype: 'int8', quantization: M.q(0.05, 0) });
  const y = b.addTensor({ name: 'y', shape: [1, 8], dtype: 'int8', quantization: M.q(0.1, 0) });
  b.addOperator({ op: 'ADD', version: 2, inputs: [x, ghost], outputs: [y], options: options(G.AddOptionsT) });
  expect(status(b.setInputs([x]).setOutputs([y]).finish(), 8)).toBe('invalid data flow');
});

test('a file identifier other than TFL3 and a schema version other than 3', () => {
  const m = single('RELU');
  const wrongId = m.slice();
  wrongId[7] = 0x32; // "TFL2"
  expect(status(wrongId, 8)).toBe('file identifier is not TFL3');
  const model = G.Model.getRootAsModel(new flatbuffers.ByteBuffer(m)).unpack();
  model.version = 2;
  const fb = new flatbuffers.Builder(m.length * 2);
  G.Model.finishModelBuffer(fb, model.pack(fb));
  expect(status(fb.asUint8Array().slice(), 8)).toBe('schema version is not 3');
});

/** Flips the first Conv2DOptions.padding it finds from VALID (1) to SAME (0) by re-serialising. */
function patchConvPadding(bytes: Uint8Array): Uint8Array {
  const model = G.Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).unpack();
  const op = model.subgraphs[0].operators[0];
  (op.builtinOptions as G.Conv2DOptionsT).padding = G.Padding.SAME;
  const fb = new flatbuffers.Builder(bytes.length * 2);
  G.Model.finishModelBuffer(fb, model.pack(fb));
  return fb.asUint8Array().slice();
}

test('SQUEEZE whose output shape does not drop the listed axes', () => {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 4, 1], dtype: 'int8', quantization: M.q(0.05, 0) });
  const y = b.addTensor({ name: 'y', shape: [4, 1], dtype: 'int8', quantization: M.q(0.05, 0) });
  b.addOperator({
    op: 'SQUEEZE',
    version: 1,
    inputs: [x],
    outputs: [y],
    options: options(G.SqueezeOptionsT, { squeezeDims: [2] }),
  });
  expect(status(b.setInputs([x]).setOutputs([y]).finish(), 4)).toBe('inconsistent shapes');
});

test('a model whose work per inference exceeds EL_MAX_MACS (a 16000x3 max-pool window over 128 KB)', () => {
  const m = M.pool(132, 'MAX_POOL_2D', [1, 16000, 4, 2], [16000, 3], [1, 1], 'SAME');
  expect(status(m.model, 16000 * 4 * 2)).toBe('runtime limit exceeded');
});
