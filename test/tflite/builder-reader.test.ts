/** builder.ts output read back through reader.ts, plus the layout rules TFLite Micro relies on. */
import { TfliteBuilder, options, TFLITE_BUFFER_ALIGNMENT } from '../../src/tflite/builder';
import { readTflite, isTflite, tfliteBufferData } from '../../src/tflite/reader';
import {
  Conv2DOptionsT,
  FullyConnectedOptionsT,
  Padding,
  ActivationFunctionType,
  BuiltinOperator,
} from '../../src/tflite/generated';
import { microRegistrations } from '../../src/tflite/opcodes';
import { EdgelockError } from '../../src/errors';

function sampleModel() {
  const b = new TfliteBuilder().setDescription('edgelock test model');
  const x = b.addTensor({
    name: 'input',
    shape: [1, 5, 5, 2],
    dtype: 'int8',
    quantization: { scale: [0.1], zeroPoint: [-4] },
  });
  // Odd sizes so that alignment padding is needed between buffers.
  const f = b.addConstTensor({
    name: 'conv/filter',
    shape: [3, 3, 3, 2],
    dtype: 'int8',
    data: Int8Array.from({ length: 54 }, (_, i) => ((i * 7) % 255) - 127),
    quantization: { scale: [0.01, 0.02, 0.03], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
  });
  const bias = b.addConstTensor({
    name: 'conv/bias',
    shape: [3],
    dtype: 'int32',
    data: Int32Array.from([5, -6, 7]),
    quantization: { scale: [0.001, 0.002, 0.003], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
  });
  const c = b.addTensor({
    name: 'conv',
    shape: [1, 3, 3, 3],
    dtype: 'int8',
    quantization: { scale: [0.2], zeroPoint: [1] },
  });
  const shape = b.addConstTensor({ name: 'flat/shape', shape: [2], dtype: 'int32', data: Int32Array.from([1, 27]) });
  const r = b.addTensor({
    name: 'flat',
    shape: [1, 27],
    dtype: 'int8',
    quantization: { scale: [0.2], zeroPoint: [1] },
  });
  const w = b.addConstTensor({
    name: 'fc/w',
    shape: [3, 27],
    dtype: 'int8',
    data: Int8Array.from({ length: 81 }, (_, i) => i - 40),
    quantization: { scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
  });
  const y = b.addTensor({
    name: 'logits',
    shape: [1, 3],
    dtype: 'int8',
    quantization: { scale: [0.3], zeroPoint: [0], min: [-38.4], max: [38.1] },
  });
  b.addOperator({
    op: 'CONV_2D',
    version: 3,
    inputs: [x, f, bias],
    outputs: [c],
    options: options(Conv2DOptionsT, {
      padding: Padding.VALID,
      strideW: 1,
      strideH: 1,
      fusedActivationFunction: ActivationFunctionType.RELU,
    }),
  });
  b.addOperator({ op: 'RESHAPE', version: 1, inputs: [c, shape], outputs: [r] });
  b.addOperator({
    op: 'FULLY_CONNECTED',
    version: 4,
    inputs: [r, w, -1],
    outputs: [y],
    options: options(FullyConnectedOptionsT),
  });
  b.setInputs([x]).setOutputs([y]);
  b.addMetadata('edgelock', JSON.stringify({ version: '0.1.0', onnxSha256: 'ab'.repeat(32) }));
  return b;
}

describe('builder → reader round trip', () => {
  const bytes = sampleModel().finish();
  const info = readTflite(bytes);

  test('identifier, schema version, description', () => {
    expect(isTflite(bytes)).toBe(true);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    expect(info.schemaVersion).toBe(3);
    expect(info.description).toBe('edgelock test model');
    expect(info.fileSize).toBe(bytes.length);
  });

  test('opcodes carry builtin code, deprecated byte code and version', () => {
    expect(info.opcodes.map((o) => [o.name, o.builtinCode, o.deprecatedBuiltinCode, o.version])).toEqual([
      ['CONV_2D', BuiltinOperator.CONV_2D, 3, 3],
      ['RESHAPE', BuiltinOperator.RESHAPE, 22, 1],
      ['FULLY_CONNECTED', BuiltinOperator.FULLY_CONNECTED, 9, 4],
    ]);
    expect(microRegistrations(info.opcodes.map((o) => o.builtinCode)).map((m) => m.call)).toEqual([
      'AddConv2D',
      'AddReshape',
      'AddFullyConnected',
    ]);
  });

  test('operators, options and optional inputs', () => {
    const sg = info.subgraphs[0];
    expect(sg.name).toBe('main');
    expect(sg.operators.map((o) => o.op)).toEqual(['CONV_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    expect(sg.operators[0].options).toEqual({
      type: 'Conv2DOptions',
      fields: {
        padding: 'VALID',
        strideW: 1,
        strideH: 1,
        fusedActivationFunction: 'RELU',
        dilationWFactor: 1,
        dilationHFactor: 1,
        quantizedBiasType: 'FLOAT32',
      },
    });
    expect(sg.operators[1].options).toBeNull();
    expect(sg.operators[2].inputs).toEqual([5, 6, -1]);
    expect(sg.inputs).toEqual([0]);
    expect(sg.outputs).toEqual([7]);
  });

  test('tensors: shapes, dtypes, per-tensor and per-axis quantisation, buffer 0 for activations', () => {
    const t = info.subgraphs[0].tensors;
    expect(t.map((x) => [x.name, x.dtype, x.shape, x.constant])).toEqual([
      ['input', 'int8', [1, 5, 5, 2], false],
      ['conv/filter', 'int8', [3, 3, 3, 2], true],
      ['conv/bias', 'int32', [3], true],
      ['conv', 'int8', [1, 3, 3, 3], false],
      ['flat/shape', 'int32', [2], true],
      ['flat', 'int8', [1, 27], false],
      ['fc/w', 'int8', [3, 27], true],
      ['logits', 'int8', [1, 3], false],
    ]);
    for (const x of t) if (!x.constant) expect(x.buffer).toBe(0);
    expect(new Set(t.filter((x) => x.constant).map((x) => x.buffer)).size).toBe(4);
    expect(t[0].quantization).toEqual({ scale: [expect.closeTo(0.1, 7)], zeroPoint: [-4], quantizedDimension: 0 });
    expect(t[1].quantization!.scale.map((s) => +s.toFixed(6))).toEqual([0.01, 0.02, 0.03]);
    expect(t[1].quantization!.quantizedDimension).toBe(0);
    expect(t[7].quantization!.min![0]).toBeCloseTo(-38.4, 4);
  });

  test('buffer 0 is empty and constant data round-trips byte for byte', () => {
    expect(info.buffers[0]).toEqual({ index: 0, size: 0, dataOffset: null });
    const filter = info.subgraphs[0].tensors[1];
    expect(Array.from(new Int8Array(tfliteBufferData(bytes, info, filter.buffer).slice().buffer))).toEqual(
      Array.from({ length: 54 }, (_, i) => ((i * 7) % 255) - 127),
    );
    const bias = info.subgraphs[0].tensors[2];
    expect(Array.from(new Int32Array(tfliteBufferData(bytes, info, bias.buffer).slice().buffer))).toEqual([5, -6, 7]);
  });

  test(`every buffer's data starts on a ${TFLITE_BUFFER_ALIGNMENT}-byte boundary of the file`, () => {
    const withData = info.buffers.filter((b) => b.dataOffset !== null);
    expect(withData.length).toBe(5);
    for (const b of withData) expect(b.dataOffset! % TFLITE_BUFFER_ALIGNMENT).toBe(0);
    expect(bytes.length % TFLITE_BUFFER_ALIGNMENT).toBe(0);
  });

  test('metadata entry is readable', () => {
    expect(info.metadata).toHaveLength(1);
    expect(info.metadata[0].name).toBe('edgelock');
    expect(JSON.parse(info.metadata[0].text!)).toEqual({ version: '0.1.0', onnxSha256: 'ab'.repeat(32) });
  });

  test('output is deterministic', () => {
    expect(Buffer.from(sampleModel().finish()).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('builder rejects inconsistent input', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof EdgelockError ? e.code : String(e);
    }
    return 'no error';
  };
  test('wrong constant size, bad per-axis quantisation, wrong options, dangling tensor', () => {
    const b = new TfliteBuilder();
    expect(
      code(() => b.addConstTensor({ name: 'c', shape: [2, 2], dtype: 'float32', data: new Float32Array(3) })),
    ).toBe('E_INTERNAL');
    expect(
      code(() =>
        b.addTensor({
          name: 'q',
          shape: [4, 2],
          dtype: 'int8',
          quantization: { scale: [1, 1, 1], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
        }),
      ),
    ).toBe('E_INTERNAL');
    const x = b.addTensor({ name: 'x', shape: [1, 2], dtype: 'float32' });
    expect(code(() => b.addTensor({ name: 'x', shape: [1], dtype: 'float32' }))).toBe('E_INTERNAL');
    expect(code(() => b.addOperator({ op: 'RELU', version: 1, inputs: [x], outputs: [9] }))).toBe('E_INTERNAL');
    expect(
      code(() =>
        b.addOperator({
          op: 'CONV_2D',
          version: 1,
          inputs: [x],
          outputs: [x],
          options: options(FullyConnectedOptionsT),
        }),
      ),
    ).toBe('E_INTERNAL');
    expect(code(() => b.finish())).toBe('E_INTERNAL');
  });

  test('one opcode per builtin code, highest version kept', () => {
    const b = new TfliteBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, 2], dtype: 'float32' });
    const y = b.addTensor({ name: 'y', shape: [1, 2], dtype: 'float32' });
    const z = b.addTensor({ name: 'z', shape: [1, 2], dtype: 'float32' });
    b.addOperator({ op: 'RELU', version: 1, inputs: [x], outputs: [y] });
    b.addOperator({ op: 'RELU', version: 2, inputs: [y], outputs: [z] });
    b.setInputs([x]).setOutputs([z]);
    const info = readTflite(b.finish());
    expect(info.opcodes.map((o) => [o.name, o.version])).toEqual([['RELU', 2]]);
    expect(info.subgraphs[0].operators.map((o) => o.opcodeIndex)).toEqual([0, 0]);
  });
});
