/**
 * Black-box tracing by itself, one line per leaked device (docs/security.md, "Tracing a leaked model", Measured):
 *   npx tsx scripts/trace-blackbox.ts --base <compiled int8 .tflite> --density 1 --q 100,300 --devs 20 [--from 0]
 *     [--n 1000] [--rq 1] [--ft 1] [--ftref 1] [--iters 15] [--quiet mnist-train] [--probes uniform|mnist-test]
 *     [--epochs 2] [--lr 0.01]
 * Same test master key and uids as scripts/trace-measure.ts. --rq: the leak re-quantised; --ft: fine-tuned on 6k
 * MNIST train images (2 epochs, lr 0.01); --ftref: the reference is the base fine-tuned the same way on other images.
 * "named": the leaking device scores z ≥ 6.44 (family p ≤ 1e-6 among 1,000) and no innocent one does.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { carriersOf } from '../src/trace/carriers';
import { deviceCode } from '../src/trace/code';
import { embedTraceCode } from '../src/trace/embed';
import { floatNetFromTflite } from '../src/trace/float-net';
import { DEFAULT_TRACE_PARAMS, quietTraceParams } from '../src/trace/params';
import { uniformProbes } from '../src/trace/probes';
import { fileVictim } from '../src/trace/victims';
import { blackBoxEvidence } from '../src/trace/blackbox';
import { fineTune, requantize } from '../src/trace/attacks';
import { mnistTestAccuracy } from '../test/helpers/mnist-boards';
import { arg } from './support/args';
import { dot, scriptTraceKey, scriptUid } from './support/trace-script';

const base = new Uint8Array(readFileSync(arg('base', '')));
const tk = scriptTraceKey();
const uid = scriptUid;
const test = loadMnist('test');

async function main() {
  for (const density of arg('density', '0.1').split(',').map(Number)) {
    const quiet = arg('quiet', '');
    const PAR = quiet ? { ...quietTraceParams(quiet), density } : { ...DEFAULT_TRACE_PARAMS, density };
    const set = carriersOf(base, tk, PAR);
    const K = set.carriers.length;
    const amp = set.amplitude ?? new Uint8Array(K).fill(1);
    console.log(`${K} carriers, ${amp.filter((a) => a > 1).length} quiet (amplitude > 1)`);
    const codes = Array.from({ length: Number(arg('n', '1000')) }, (_, i) => deviceCode(tk, uid(i), K));
    for (const Q of arg('q', '300').split(',').map(Number)) {
      const probes =
        arg('probes', quiet ? 'uniform' : 'mnist-test') === 'uniform'
          ? uniformProbes(base, Q)
          : test.images.subarray(0, Q * 784);
      let ref: Uint8Array = base;
      if (arg('ftref', '0') !== '0') {
        const train = loadMnist('train');
        const n = 6000;
        const off = 40000;
        ref = fineTune(
          base,
          {
            x: train.images.subarray(off * 784, (off + n) * 784),
            labels: train.labels.subarray(off, off + n),
            count: n,
          },
          { epochs: 2, lr: 0.01, seed: 999 },
        );
      }
      const vb = await fileVictim(ref);
      const baseScores = await vb.query(probes, Q);
      vb.dispose();
      const zs: number[] = [];
      let inn = 0;
      let t = 0;
      let nNamed = 0;
      for (let d = Number(arg('from', '0')); d < Number(arg('from', '0')) + Number(arg('devs', '5')); d++) {
        let m = embedTraceCode(base, tk, uid(d), PAR).bytes;
        if (arg('rq', '0') !== '0') m = requantize(m);
        if (arg('ft', '0') !== '0') {
          const train = loadMnist('train');
          const n = 6000;
          const off = (d * 7919) % 54000;
          m = fineTune(
            m,
            {
              x: train.images.subarray(off * 784, (off + n) * 784),
              labels: train.labels.subarray(off, off + n),
              count: n,
            },
            { epochs: Number(arg('epochs', '2')), lr: Number(arg('lr', '0.01')), seed: 100 + d },
          );
        }
        const v = await fileVictim(m);
        if (arg('acc', '0') !== '0')
          console.log(
            `  device ${d} copy accuracy (2k test): ${(100 * (await mnistTestAccuracy(m, 2000))).toFixed(2)}%`,
          );
        const t0 = Date.now();
        const ev = await blackBoxEvidence(set, {
          base: floatNetFromTflite(ref),
          baseScores,
          probes,
          count: Q,
          victim: v.query,
          iterations: Number(arg('iters', '30')),
        });
        t += Date.now() - t0;
        v.dispose();
        const n = Math.sqrt(dot(ev.evidence, ev.evidence)) || 1;
        const z = codes.map((c) => dot(c, ev.evidence) / n);
        zs.push(z[d]);
        const innD = Math.max(...z.filter((_, i) => i !== d));
        inn = Math.max(inn, innD);
        const named = z[d] >= 6.44 && innD < 6.44;
        nNamed += named ? 1 : 0;
        console.log(
          `  Q ${Q} rq ${arg('rq', '0')} device ${d}: z ${z[d].toFixed(2)} best ` +
            `innocent ${innD.toFixed(2)} ${named ? 'named' : 'NOT named'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
      const sorted = [...zs].sort((a, b) => a - b);
      console.log(
        `SUMMARY density ${density} K ${K} Q ${Q} rq ${arg('rq', '0')}: named ${nNamed}/${zs.length}; z ` +
          `min ${sorted[0].toFixed(2)} median ${sorted[zs.length >> 1].toFixed(2)} ` +
          `max ${sorted[zs.length - 1].toFixed(2)}; innocent ` +
          `max ${inn.toFixed(2)}; ${(t / zs.length / 1000).toFixed(1)} s each`,
      );
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
