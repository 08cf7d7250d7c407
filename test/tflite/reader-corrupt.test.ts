/** Truncated or corrupted .tflite bytes must fail with E_TFLITE_PARSE, never crash or hang. */
import { TfliteBuilder, options } from '../../src/tflite/builder';
import { readTflite } from '../../src/tflite/reader';
import * as flatbuffers from 'flatbuffers';
import {
  FullyConnectedOptionsT,
  TensorT,
  TensorType,
  OperatorT,
  SubGraphT,
  ModelT,
  Model,
  OperatorCodeT,
  BuiltinOperator,
  BufferT,
} from '../../src/tflite/generated';
import { EdgelockError } from '../../src/errors';
import { rng } from './helpers';

function model(): Uint8Array {
  const b = new TfliteBuilder().setDescription('corruption target');
  const x = b.addTensor({ name: 'x', shape: [1, 4], dtype: 'int8', quantization: { scale: [0.5], zeroPoint: [1] } });
  const w = b.addConstTensor({
    name: 'w',
    shape: [2, 4],
    dtype: 'int8',
    data: Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    quantization: { scale: [0.1, 0.2], zeroPoint: [0, 0], quantizedDimension: 0 },
  });
  const y = b.addTensor({ name: 'y', shape: [1, 2], dtype: 'int8', quantization: { scale: [0.25], zeroPoint: [0] } });
  b.addOperator({
    op: 'FULLY_CONNECTED',
    version: 4,
    inputs: [x, w, -1],
    outputs: [y],
    options: options(FullyConnectedOptionsT),
  });
  b.setInputs([x]).setOutputs([y]);
  b.addMetadata('m', 'hello');
  return b.finish();
}

function outcome(bytes: Uint8Array): 'ok' | 'E_TFLITE_PARSE' {
  try {
    readTflite(bytes);
    return 'ok';
  } catch (e) {
    if (e instanceof EdgelockError && e.code === 'E_TFLITE_PARSE') return 'E_TFLITE_PARSE';
    throw e;
  }
}

const good = model();

test('the intact model reads', () => {
  expect(outcome(good)).toBe('ok');
});

test('every truncation fails with E_TFLITE_PARSE', () => {
  for (let len = 0; len < good.length; len++) {
    expect([len, outcome(good.subarray(0, len))]).toEqual([len, 'E_TFLITE_PARSE']);
  }
});

test('non-TFLite bytes and a wrong identifier are rejected', () => {
  expect(outcome(new TextEncoder().encode('this is not a flatbuffer at all'))).toBe('E_TFLITE_PARSE');
  const wrongId = good.slice();
  wrongId[4] = 'X'.charCodeAt(0);
  expect(outcome(wrongId)).toBe('E_TFLITE_PARSE');
});

test('random byte corruptions either read or fail with E_TFLITE_PARSE (2000 mutants)', () => {
  const r = rng(42);
  const seen = new Set<string>();
  for (let n = 0; n < 2000; n++) {
    const bad = good.slice();
    const flips = 1 + Math.floor(r() * 4);
    for (let k = 0; k < flips; k++) bad[8 + Math.floor(r() * (bad.length - 8))] = Math.floor(r() * 256);
    seen.add(outcome(bad));
  }
  expect(seen.has('E_TFLITE_PARSE')).toBe(true);
});

test('a root offset past the end of the file is rejected', () => {
  const bad = good.slice();
  new DataView(bad.buffer).setUint32(0, bad.length + 100, true);
  expect(outcome(bad)).toBe('E_TFLITE_PARSE');
});

test('well-formed flatbuffers with dangling indices are rejected by validation', () => {
  // Written with the generated object API, bypassing builder.ts's own checks.
  const write = (outputs: number[], tensorBuffer: number, opcodeIndex: number) => {
    const fb = new flatbuffers.Builder(256);
    const tensors = [
      new TensorT([1, 2], TensorType.FLOAT32, 0, 'x'),
      new TensorT([1, 2], TensorType.FLOAT32, tensorBuffer, 'y'),
    ];
    const op = new OperatorT(opcodeIndex, [0], [1]);
    const sg = new SubGraphT(tensors, [0], outputs, [op], 'main');
    const model = new ModelT(3, [new OperatorCodeT(BuiltinOperator.RELU, null, 1, BuiltinOperator.RELU)], [sg], '', [
      new BufferT(),
    ]);
    Model.finishModelBuffer(fb, model.pack(fb));
    return fb.asUint8Array().slice();
  };
  expect(outcome(write([1], 0, 0))).toBe('ok');
  for (const bad of [write([2], 0, 0), write([1], 3, 0), write([1], 0, 5)]) {
    expect(outcome(bad)).toBe('E_TFLITE_PARSE');
  }
  expect(() => readTflite(write([2], 0, 0))).toThrow(/output tensor 2 does not exist/);
});
