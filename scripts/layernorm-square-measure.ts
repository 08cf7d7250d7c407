/**
 * LayerNorm's variance term in int8: SQUARED_DIFFERENCE(x, mean) against SUB then MUL(d, d), measured on the
 * conformance corpus's PyTorch LayerNorm exports (test/conformance/fixtures/torch-ln-hsig-opset*.onnx) with real
 * MNIST digits: int8 (--io float) top-1 agreement with the float model, and the int8 logits' error against float
 * (relative to each sample's float logit range), both run by the official TFLite runtime. Then the LayerNorm
 * alone: the same models cut after it (outputs: the variance ReduceMean and the LayerNorm's output), int8 against
 * float on the same digits, error in the int8 output's quantisation steps.
 *
 *   npx tsx scripts/layernorm-square-measure.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileModel } from '../src/compiler/compile';
import { readOnnx } from '../src/onnx';
import { writeOnnx } from '../src/onnx/writer';
import { loadDataset } from '../src/data/dataset';
import { TfliteOracle } from '../src/tflite/oracle';

const SIZE = 28 * 28;
const N = 2000;

function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}

async function main(): Promise<void> {
  const train = loadDataset('mnist-train');
  const test = loadDataset('mnist-test');
  const calibration = { data: train.data.subarray(0, 300 * SIZE), count: 300, sampleShape: [1, 28, 28] };
  const shape = [1, 28, 28, 1];
  console.log('| model | form | ops | top-1 = float | mean error / range | max error / range |');
  console.log('|---|---|---|---|---|---|');
  for (const opset of [11, 13, 16, 17]) {
    const file = path.join(__dirname, '../test/conformance/fixtures', `torch-ln-hsig-opset${opset}.onnx`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const fo = await TfliteOracle.load((await compileModel(bytes, { precision: 'float32' })).bytes);
    const floats = Array.from({ length: N }, (_, i) =>
      Float32Array.from(fo.run([{ data: test.data.subarray(i * SIZE, (i + 1) * SIZE), shape }])[0].data),
    );
    fo.dispose();
    for (const form of ['squared-difference', 'sub-mul']) {
      const q = await compileModel(bytes, {
        precision: 'int8',
        io: 'float',
        calibration,
        squaredDifference: form === 'squared-difference',
      });
      const qo = await TfliteOracle.load(q.bytes);
      let agree = 0;
      let sum = 0;
      let max = 0;
      for (let i = 0; i < N; i++) {
        const got = qo.run([{ data: test.data.subarray(i * SIZE, (i + 1) * SIZE), shape }])[0].data;
        const want = floats[i];
        if (argmax(got) === argmax(want)) agree++;
        const span = Math.max(...want) - Math.min(...want);
        let e = 0;
        want.forEach((v, k) => (e = Math.max(e, Math.abs(v - got[k]) / span)));
        sum += e;
        max = Math.max(max, e);
      }
      qo.dispose();
      const ops = [...new Set(q.summary.ops.map((o) => o.op))].filter((o) => /SQUARED|SUB|MUL|RSQRT|MEAN/.test(o));
      console.log(
        `| torch-ln-hsig-opset${opset} | ${form} | ${ops.join(', ')} | ${agree}/${N} | ${(sum / N).toFixed(4)} | ${max.toFixed(4)} |`,
      );
    }
  }
  console.log(
    '\n| LayerNorm alone | form | variance: mean / max error (steps) | LayerNorm output: mean / max error (steps) |',
  );
  console.log('|---|---|---|---|');
  for (const opset of [11, 17]) {
    const file = path.join(__dirname, '../test/conformance/fixtures', `torch-ln-hsig-opset${opset}.onnx`);
    const whole = new Uint8Array(fs.readFileSync(file));
    const model = readOnnx(whole);
    const nodes = model.graph.nodes;
    const lnOut = nodes.find((n) => n.opType === 'Gemm' && n.outputs[0] === 'logits')!.inputs[0];
    const lnIn = nodes.find(
      (n) => n.opType === 'Relu' && n.inputs[0] === nodes.find((g) => g.opType === 'Gemm')!.outputs[0],
    )!.outputs[0];
    // (a) the LayerNorm's real inputs: the float model cut at them, on calibration and test digits
    const head = readOnnx(whole);
    head.graph.outputs = [{ name: lnIn, dtype: 'float32', shape: ['N', 32] }];
    const ho = await TfliteOracle.load((await compileModel(writeOnnx(head), { precision: 'float32' })).bytes);
    const acts = (set: typeof test, n: number) =>
      Array.from({ length: n }, (_, i) =>
        Float32Array.from(ho.run([{ data: set.data.subarray(i * SIZE, (i + 1) * SIZE), shape }])[0].data),
      );
    const calib = acts(train, 300);
    const inputs = acts(test, N);
    ho.dispose();
    // (b) the LayerNorm alone: its nodes, that input, its variance and its output as graph outputs
    const variance = opset === 17 ? undefined : nodes.filter((n) => n.opType === 'ReduceMean')[1].outputs[0];
    const outs = [lnOut, ...(variance ? [variance] : [])];
    const first = nodes.findIndex((n) => n.inputs.includes(lnIn));
    const last = nodes.findIndex((n) => n.outputs[0] === lnOut);
    model.graph.nodes = nodes.slice(first, last + 1);
    model.graph.inputs = [{ name: lnIn, dtype: 'float32', shape: [1, 32] }];
    model.graph.outputs = outs.map((name) => ({ name, dtype: 'float32', shape: [1, name === lnOut ? 32 : 1] }));
    const ln = writeOnnx(model);
    const fo = await TfliteOracle.load((await compileModel(ln, { precision: 'float32' })).bytes);
    for (const form of ['squared-difference', 'sub-mul']) {
      const data = new Float32Array(300 * 32);
      calib.forEach((a, i) => data.set(a, i * 32));
      const q = await compileModel(ln, {
        precision: 'int8',
        io: 'int8',
        calibration: { data, count: 300, sampleShape: [32] },
        squaredDifference: form === 'squared-difference',
      });
      const inp = q.summary.inputs[0];
      const qo = await TfliteOracle.load(q.bytes);
      const err = outs.map(() => ({ sum: 0, max: 0, n: 0 }));
      for (const a of inputs) {
        const x = Int32Array.from(a, (v) => Math.max(-128, Math.min(127, Math.round(v / inp.scale!) + inp.zeroPoint!)));
        // float reference on exactly the values the int8 model sees
        const want = fo.run([{ data: Float32Array.from(x, (c) => (c - inp.zeroPoint!) * inp.scale!), shape: [1, 32] }]);
        qo.run([{ data: x, shape: [1, 32] }]).forEach((t, k) => {
          const o = q.summary.outputs[k];
          const w = want[k].data;
          t.data.forEach((c, j) => {
            const e = Math.abs((c - o.zeroPoint!) * o.scale! - w[j]) / o.scale!;
            err[k].sum += e;
            err[k].n++;
            err[k].max = Math.max(err[k].max, e);
          });
        });
      }
      qo.dispose();
      const cell = (k: number) =>
        k < outs.length ? `${(err[k].sum / err[k].n).toFixed(3)} / ${err[k].max.toFixed(2)}` : '–';
      console.log(`| torch-ln-hsig-opset${opset} | ${form} | ${cell(1)} | ${cell(0)} |`);
    }
    fo.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
