/**
 * Black-box tracing after fine-tuning, with the fine-tune modelled as structured noise (docs/security.md, "After
 * fine-tuning"): a development measurement, not a feature.
 *   npx tsx scripts/trace-finetune-gls.ts --base lenet.tflite [--probes mnist-test|uniform] [--m 200] [--devs 900,901]
 *     [--kappa 0,1,10,100,1000,10000] [--epochs 2] [--lr 0.01]
 * Fine-tuning moves the weights along the directions the owner's data pulls them (per-sample gradients, the Fisher
 * information), so its output change on the probes should lie near the span U of J g_i, g_i the loss gradient of owner
 * sample i with respect to the carriers. The estimate is the generalised least-squares one,
 * e = Jᵀ (J Jᵀ + α U Uᵀ + s² I)⁻¹ r, for a range of α (kappa 0: the plain estimate of src/trace/blackbox.ts; large
 * kappa: U projected out). Prints the energy of the residual r, of the code's own output change J c and of the rest,
 * and z of the leaking board and of the best of 1,000 innocents, per kappa. Same test master key and uids as
 * scripts/trace-blackbox.ts; the leak is fine-tuned on 6k MNIST train images as there.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { carriersOf } from '../src/trace/carriers';
import { deviceCode } from '../src/trace/code';
import { embedTraceCode } from '../src/trace/embed';
import { floatNetFromTflite, toNetLayout } from '../src/trace/float-net';
import { DEFAULT_TRACE_PARAMS } from '../src/trace/params';
import { uniformProbes } from '../src/trace/probes';
import { fileVictim } from '../src/trace/victims';
import { conjugateGradient } from '../src/trace/blackbox';
import { carrierJacobian } from '../src/trace/carrier-jacobian';
import { fineTune } from '../src/trace/attacks';
import { arg } from './support/args';
import { dot, scriptTraceKey, scriptUid } from './support/trace-script';

const base = new Uint8Array(readFileSync(arg('base', '')));
const tk = scriptTraceKey();
const uid = scriptUid;
const test = loadMnist('test');
const train = loadMnist('train');
async function main() {
  const set = carriersOf(base, tk, DEFAULT_TRACE_PARAMS);
  const K = set.carriers.length;
  const codes = Array.from({ length: 1000 }, (_, i) => deviceCode(tk, uid(i), K));
  const Q = Number(arg('q', '300'));
  const probes = arg('probes', 'mnist-test') === 'uniform' ? uniformProbes(base, Q) : test.images.subarray(0, Q * 784);
  const fn = floatNetFromTflite(base);
  const J = carrierJacobian(set, fn, probes, Q);
  const vb = await fileVictim(base);
  const baseScores = await vb.query(probes, Q);
  vb.dispose();
  // the owner's per-sample gradient directions, seen through J
  const m = Number(arg('m', '200'));
  const off = 50000;
  const t0 = Date.now();
  const U: Float64Array[] = [];
  const classes = 10;
  for (let i = 0; i < m; i++) {
    const x = train.images.subarray((off + i) * 784, (off + i + 1) * 784);
    const Ji = carrierJacobian(set, fn, x, 1);
    // logits of sample i
    const net = fn.net;
    const z = net.forward(toNetLayout(x, 1, fn.modelInputShape), 1, false);
    let mx = -Infinity;
    for (let k = 0; k < classes; k++) mx = Math.max(mx, z[k]);
    let sum = 0;
    const p = new Float64Array(classes);
    for (let k = 0; k < classes; k++) sum += p[k] = Math.exp(z[k] - mx);
    for (let k = 0; k < classes; k++) p[k] /= sum;
    p[train.labels[off + i]] -= 1;
    const g = Ji.vjp(p);
    U.push(J.jvp(g));
  }
  console.log(`U: ${m} directions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rows = Q * classes;
  const uu = U.reduce((t, u) => t + dot(u, u), 0) / m;
  for (const d of arg('devs', '900,901').split(',').map(Number)) {
    let leak = embedTraceCode(base, tk, uid(d), DEFAULT_TRACE_PARAMS).bytes;
    const o2 = (d * 7919) % 54000;
    leak = fineTune(
      leak,
      {
        x: train.images.subarray(o2 * 784, (o2 + 6000) * 784),
        labels: train.labels.subarray(o2, o2 + 6000),
        count: 6000,
      },
      { epochs: Number(arg('epochs', '2')), lr: Number(arg('lr', '0.01')), seed: 100 + d },
    );
    const v = await fileVictim(leak);
    const got = await v.query(probes, Q);
    v.dispose();
    const r = new Float64Array(rows);
    for (let i = 0; i < rows; i++) r[i] = got[i] - baseScores[i];
    const s2 = dot(r, r) / rows;
    // code's output change and the rest
    const c = Float64Array.from(codes[d]);
    const Jc = J.jvp(c);
    const rest = r.map((x, i) => x - Jc[i]);
    console.log(
      `dev ${d}: |r|² ${dot(r, r).toFixed(1)} |Jc|² ${dot(Jc, Jc).toFixed(1)} |rest|² ` +
        `${dot(rest, rest).toFixed(1)} s2 ${s2.toFixed(4)} mean|U|² ${uu.toExponential(2)}`,
    );
    for (const kappa of arg('kappa', '0,1,10,100,1000,10000').split(',').map(Number)) {
      const alpha = (kappa * s2 * rows) / (uu * m); // kappa=1: U's total power equals the noise's
      const apply = (y: Float64Array) => {
        const out = J.jvp(J.vjp(y));
        if (alpha > 0)
          for (const u of U) {
            const a = alpha * dot(u, y);
            for (let i = 0; i < rows; i++) out[i] += a * u[i];
          }
        return out;
      };
      const y = conjugateGradient(apply, r, s2, Number(arg('iters', '30')));
      const e = J.vjp(y);
      const n = Math.sqrt(dot(e, e)) || 1;
      const z = codes.map((cc) => dot(cc, e) / n);
      const inn = Math.max(...z.filter((_, i) => i !== d));
      console.log(`  kappa ${kappa}: z ${z[d].toFixed(2)} best innocent ${inn.toFixed(2)}`);
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
