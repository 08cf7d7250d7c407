/**
 * What the plaintext per-channel quantisation scales of a sealed int8 model reveal (docs/security.md, "What the scales
 * reveal"): for each weight tensor of the MNIST MLP and LeNet int8 compiles, the correlation of the per-channel scale
 * with the row L2 norm, that 127 x scale is exactly the row max |w|, and the accuracy of random weights shaped by the
 * scales (what an attacker holding only the scales can build). Run: npx tsx scripts/scale-leak.ts
 */
import * as fs from 'fs';
import { compileModel } from '../src/compiler/compile';
import { mnistInt8Options } from '../test/device/models';
import { readTflite } from '../src/tflite/reader';
import { evaluateModelFile } from '../src/eval/evaluate';
import { loadLabelledSet } from '../src/eval/labelled-data';

function corr(a: number[], b: number[]): number {
  const m = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = m(a),
    mb = m(b);
  let n = 0,
    da = 0,
    db = 0;
  for (let i = 0; i < a.length; i++) {
    n += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return n / Math.sqrt(da * db);
}
(async () => {
  for (const name of ['mnist-mlp', 'mnist-lenet']) {
    const onnxBytes = fs.readFileSync(`${__dirname}/../models/${name}.onnx`);
    const r = await compileModel(onnxBytes, mnistInt8Options(64));
    const bytes = r.bytes;
    const info = readTflite(bytes);
    const tensors = info.subgraphs[0].tensors;
    const weights = tensors.filter((t) => t.constant && t.dtype === 'int8' && t.shape.length >= 2);
    let rng = 12345;
    const rnd = () => (rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    const out: string[] = [];
    const attack = new Uint8Array(bytes);
    const uniform = new Uint8Array(bytes);
    for (const t of weights) {
      const b = info.buffers[t.buffer];
      const q = Int8Array.from(bytes.subarray(b.dataOffset!, b.dataOffset! + b.size), (v) => (v << 24) >> 24);
      const s = t.quantization!.scale;
      const n = t.shape[0];
      const per = q.length / n;
      // conv weights [Cout,kh,kw,Cin] per-channel axis 0; depthwise axis 3 (not in these models)
      const norms: number[] = [],
        maxes: number[] = [];
      for (let o = 0; o < n; o++) {
        let l2 = 0,
          mx = 0;
        for (let i = 0; i < per; i++) {
          const w = q[o * per + i] * s[o];
          l2 += w * w;
          mx = Math.max(mx, Math.abs(w));
        }
        norms.push(Math.sqrt(l2));
        maxes.push(mx);
      }
      out.push(
        `${name} ${t.name} [${t.shape}] ${s.length} scales: corr(scale, row L2 norm) ` +
          `= ${corr(s, norms).toFixed(3)}, max|w| = 127*scale ` +
          `exactly: ${maxes.every((m, i) => Math.abs(m - 127 * s[i]) < 1e-6 * Math.max(1, m))}`,
      );
      // attacker's guess: each row Gaussian, scaled so its max |q| = 127 (the scale says the row's max |w|)
      for (let o = 0; o < n; o++) {
        const g = Array.from({ length: per }, gauss);
        const m = Math.max(...g.map(Math.abs));
        for (let i = 0; i < per; i++) attack[b.dataOffset! + o * per + i] = Math.round((g[i] / m) * 127) & 0xff;
        for (let i = 0; i < per; i++) uniform[b.dataOffset! + o * per + i] = Math.round((gauss() / 3) * 127) & 0xff;
      }
    }
    // biases: the attacker does not know them (sealed); zero them
    for (const t of tensors.filter((t) => t.constant && t.dtype === 'int32' && t.shape.length === 1)) {
      const b = info.buffers[t.buffer];
      attack.fill(0, b.dataOffset!, b.dataOffset! + b.size);
    }
    const acc = async (m: Uint8Array) => (await evaluateModelFile(m, loadLabelledSet('mnist-test'))).accuracy;
    console.log(out.join('\n'));
    console.log(
      `${name}: plain int8 ${(100 * (await acc(bytes))).toFixed(2)}%, random weights shaped by the plaintext ` +
        `scales (biases 0) ${(100 * (await acc(attack))).toFixed(2)}%`,
    );
  }
})();
