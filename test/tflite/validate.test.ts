/**
 * The structural .tflite validator (src/tflite/validate.ts) against the two runtimes that must agree with it:
 * each hostile model is refused by the validator, by the firmware runtime's Prepare (C harness, the code boards run)
 * and, where the official TFLite runtime checks the same thing, by the official runtime too; the untouched model
 * passes all three.
 */
import * as flatbuffers from 'flatbuffers';
import * as G from '../../src/tflite/generated';
import { options, TfliteBuilder } from '../../src/tflite/builder';
import { TFLITE_OPS } from '../../src/tflite/builtins';
import { readTflite } from '../../src/tflite/reader';
import { runTflite } from '../../src/tflite/oracle';
import { validateTflite } from '../../src/tflite/validate';
import { buildHarness, runC } from '../runtime/harness';
import * as M from '../runtime/models';

let exe: string;
beforeAll(() => {
  exe = buildHarness(true);
});

interface Variant {
  weightBytes?: number;
  readBeforeWrite?: boolean;
}

/** Rewrites a model through the generated object API, past the builder's own checks (a hostile file need not come from it). */
function patch(model: Uint8Array, edit: (m: G.ModelT) => void): Uint8Array {
  const m = G.Model.getRootAsModel(new flatbuffers.ByteBuffer(model)).unpack();
  edit(m);
  const fb = new flatbuffers.Builder(1024);
  fb.finish(m.pack(fb), 'TFL3');
  return fb.asUint8Array();
}

/** x[1,8] int8 → FULLY_CONNECTED(W[4,8], b[4]) → y[1,4], optionally broken one way. */
function fc(v: Variant = {}): Uint8Array {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 8], dtype: 'int8', quantization: M.q(0.05, 3) });
  const wData = Int8Array.from({ length: v.weightBytes ?? 32 }, (_, i) => ((i * 37) % 255) - 127);
  // the builder refuses a mis-sized constant, so a hostile file is written around that check
  const raw = b as unknown as { pushTensor(s: object, buffer: number): number; addBuffer(d: ArrayBufferView): number };
  const w = raw.pushTensor(
    { name: 'w', shape: [4, 8], dtype: 'int8', quantization: M.q(0.02, 0) },
    raw.addBuffer(wData),
  );
  const bias = b.addConstTensor({
    name: 'b',
    shape: [4],
    dtype: 'int32',
    quantization: M.q(0.05 * 0.02, 0),
    data: Int32Array.of(10, -20, 30, -40),
  });
  const y = b.addTensor({ name: 'y', shape: [1, 4], dtype: 'int8', quantization: M.q(0.1, -5) });
  const opts = options(G.FullyConnectedOptionsT, {});
  const version = TFLITE_OPS.FULLY_CONNECTED.version({
    inputTypes: [G.TensorType.INT8, G.TensorType.INT8],
    outputTypes: [G.TensorType.INT8],
    inputCount: 3,
  });
  if (v.readBeforeWrite) {
    const t = b.addTensor({ name: 't', shape: [1, 4], dtype: 'int8', quantization: M.q(0.1, -5) });
    b.addOperator({ op: 'RELU', version: 1, inputs: [t], outputs: [y] });
    b.addOperator({ op: 'FULLY_CONNECTED', version, inputs: [x, w, bias], outputs: [t], options: opts });
  } else {
    b.addOperator({ op: 'FULLY_CONNECTED', version, inputs: [x, w, bias], outputs: [y], options: opts });
  }
  return b.setInputs([x]).setOutputs([y]).finish();
}

const validator = (m: Uint8Array): string => {
  try {
    validateTflite(readTflite(m));
    return 'ok';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};
const firmware = (m: Uint8Array): string => runC(exe, m, [new Int8Array(8)]).status;
const official = async (m: Uint8Array): Promise<string> => {
  try {
    await runTflite(m, [{ data: new Int32Array(8), shape: [1, 8] }]);
    return 'ok';
  } catch (e) {
    return `refused: ${(e as Error).message.split('\n')[0]}`;
  }
};

test('the well-formed model passes the validator, the firmware and the official runtime', async () => {
  const m = fc();
  expect(validator(m)).toBe('ok');
  expect(firmware(m)).toBe('ok');
  expect(await official(m)).toBe('ok');
});

test('a weight buffer of 16 bytes for an int8 [4, 8] tensor (32 bytes)', async () => {
  const m = fc({ weightBytes: 16 });
  expect(validator(m)).toMatch(
    /^E_TFLITE_INVALID: .*tensor 1 'w' \(int8 \[4,8\]\) needs 32 bytes, its buffer \d+ holds 16/,
  );
  expect(firmware(m)).toBe('inconsistent shapes');
  expect(await official(m)).toMatch(/^refused/);
});

test('FULLY_CONNECTED carrying Conv2DOptions', async () => {
  const m = patch(fc(), (t) => {
    const op = t.subgraphs[0].operators[0];
    op.builtinOptionsType = G.BuiltinOptions.Conv2DOptions;
    op.builtinOptions = new G.Conv2DOptionsT();
  });
  expect(validator(m)).toMatch(
    /^E_TFLITE_INVALID: .*operator 0 \(FULLY_CONNECTED\) carries Conv2DOptions; FULLY_CONNECTED takes FullyConnectedOptions/,
  );
  expect(firmware(m)).toBe('unsupported operator options');
  // the official runtime reads a mismatched union as "no options" and runs with defaults: only the firmware and
  // the validator refuse this one (a model whose options are silently ignored is not the model that was compiled)
  expect(await official(m)).toBe('ok');
});

test('a zero quantisation scale', () => {
  const m = patch(fc(), (t) => {
    t.subgraphs[0].tensors[1].quantization!.scale = [0];
  });
  expect(validator(m)).toMatch(/^E_TFLITE_INVALID: .*'w' has scale 0/);
  expect(firmware(m)).toBe('invalid quantisation');
});

test('an operator reading a tensor that a later operator writes', () => {
  const m = fc({ readBeforeWrite: true });
  expect(validator(m)).toMatch(/^E_TFLITE_INVALID: .*operator 0 \(RELU\) reads tensor 4 't' before anything writes it/);
  expect(firmware(m)).toBe('invalid data flow');
});
