/**
 * The measurement-only lowering of LayerNorm's variance term as SQUARED_DIFFERENCE (CompileOptions.squaredDifference;
 * docs/compatibility.md has the numbers that kept SUB + MUL the default). On the conformance corpus's PyTorch
 * LayerNorm exports — Pow(d, 2) below opset 17, Mul(d, d) from LayerNormalization at 17 — it must replace the
 * square and nothing else, compute the ONNX graph in float (onnxruntime), and in int8 run in the TFLite runtime
 * with the default form's top-1 on real digits.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { TfliteOracle } from '../../src/tflite/oracle';
import { runOrt } from '../helpers/ort';

const SIZE = 28 * 28;
const test10k = loadDataset('mnist-test');
const train = loadDataset('mnist-train');
const digit = (i: number) => Float32Array.from(test10k.data.subarray(i * SIZE, (i + 1) * SIZE));
const argmax = (v: ArrayLike<number>) => {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
};

describe.each([13, 17])('torch-ln-hsig-opset%d', (opset) => {
  const bytes = new Uint8Array(
    fs.readFileSync(path.join(__dirname, '../conformance/fixtures', `torch-ln-hsig-opset${opset}.onnx`)),
  );
  const shape = [1, 28, 28, 1];

  test('float: SQUARED_DIFFERENCE replaces the square only, and matches onnxruntime', async () => {
    const plain = await compileModel(bytes, { precision: 'float32' });
    const sq = await compileModel(bytes, { precision: 'float32', squaredDifference: true });
    const count = (r: typeof sq, op: string) => r.graph.ops.filter((o) => o.op === op).length;
    expect(count(plain, 'SQUARED_DIFFERENCE')).toBe(0);
    expect(count(sq, 'SQUARED_DIFFERENCE')).toBe(1);
    expect(count(sq, 'MUL')).toBe(count(plain, 'MUL') - 1);
    expect(count(sq, 'SUB')).toBe(count(plain, 'SUB')); // (x − μ) still feeds the normalisation
    const oracle = await TfliteOracle.load(sq.bytes);
    let worst = 0;
    try {
      for (let i = 0; i < 8; i++) {
        const ref = (await runOrt(bytes, { x: { dtype: 'float32', shape: [1, 1, 28, 28], data: digit(i) } })).logits
          .data as Float32Array;
        const got = oracle.run([{ data: digit(i), shape }])[0].data;
        const span = Math.max(...ref) - Math.min(...ref);
        ref.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k]) / span)));
      }
    } finally {
      oracle.dispose();
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  test('int8 (--io float): the TFLite runtime runs it, with the SUB + MUL form’s top-1 on ≥ 99% of 500 digits', async () => {
    const calibration = { data: train.data.subarray(0, 300 * SIZE), count: 300, sampleShape: [1, 28, 28] };
    const a = await TfliteOracle.load(
      (await compileModel(bytes, { precision: 'int8', io: 'float', calibration, squaredDifference: true })).bytes,
    );
    const b = await TfliteOracle.load(
      (await compileModel(bytes, { precision: 'int8', io: 'float', calibration })).bytes,
    );
    let agree = 0;
    try {
      for (let i = 0; i < 500; i++) {
        const x = { data: digit(i), shape };
        if (argmax(a.run([x])[0].data) === argmax(b.run([x])[0].data)) agree++;
      }
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(agree / 500).toBeGreaterThanOrEqual(0.99);
  });
});
