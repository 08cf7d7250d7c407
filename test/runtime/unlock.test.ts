/**
 * The unlock hook: a model shipped with sealed (here: zeroed) weights runs correctly once the real
 * weight bytes are handed to el_model_set_tensor_data after Prepare, and misuse is refused.
 */
import * as flatbuffers from 'flatbuffers';
import { Model } from '../../src/tflite/generated';
import { buildHarness, runC, runOracle } from './harness';
import * as M from './models';

let exe: string;
beforeAll(() => {
  exe = buildHarness(true);
});

/** Byte range of tensor `t`'s constant data inside the file. */
function dataRange(bytes: Uint8Array, t: number): [number, number] {
  const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
  const tensor = model.subgraphs(0)!.tensors(t)!;
  const data = model.buffers(tensor.buffer())!.dataArray()!;
  return [data.byteOffset - bytes.byteOffset, data.byteLength];
}

test('sealed weights restored through the hook give the outputs of the original model', async () => {
  const m = M.fullyConnected(77, 2, 48, 12, true, true); // tensors: 0 x, 1 weights, 2 bias, 3 y
  const [at, len] = dataRange(m.model, 1);
  const weights = m.model.slice(at, at + len);
  const sealed = m.model.slice();
  sealed.fill(0, at, at + len);
  const inputs = M.randomInputs(m, M.rng(5));
  const want = await runOracle(m.model, inputs, m.inputShapes);
  const plain = runC(exe, sealed, inputs);
  expect(plain.status).toBe('ok');
  expect(Array.from(plain.values![0])).not.toEqual(Array.from(want[0])); // sealed weights alone are useless
  const unlocked = runC(exe, sealed, inputs, undefined, [{ tensor: 1, data: weights }]);
  expect(unlocked.status).toBe('ok');
  expect(Array.from(unlocked.values![0])).toEqual(Array.from(want[0]));
});

test('the hook refuses a wrong length, a non-constant tensor and an out-of-range index', () => {
  const m = M.fullyConnected(78, 1, 16, 4, false, true);
  const inputs = M.randomInputs(m, M.rng(6));
  expect(runC(exe, m.model, inputs, undefined, [{ tensor: 1, data: new Uint8Array(15) }]).status).toBe('bad argument');
  expect(runC(exe, m.model, inputs, undefined, [{ tensor: 0, data: new Uint8Array(16) }]).status).toBe('bad argument');
  expect(runC(exe, m.model, inputs, undefined, [{ tensor: 99, data: new Uint8Array(16) }]).status).toBe('bad argument');
});
