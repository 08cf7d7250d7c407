/**
 * The response mark checked on a suspect's scores instead of its arg-max (docs/watermark.md, "Scheme 2": a measured
 * lead, not yet in `response-mark verify`):
 *   npx tsx scripts/response-mark-scores.ts [--board-offset 0] [--rate 0.5%] [--thresholds 0,0.001,0.01,0.05,0.2] <suspect.onnx>...
 * For the measurement board of scripts/response-mark-measure.ts (same master key, "measurement board <k>", scheme 2,
 * rate calibrated on MNIST test as `package --mark-reference mnist-test` does) and the owner's pool MNIST train + test:
 * on every marked code, the suspect's probabilities (softmax of its outputs) over the classes other than the base
 * model's arg-max and runner-up. A code is a trial when the suspect gives one of those classes at least the threshold;
 * it matches when the keyed class is among the most probable of them (T, the tied set). The keyed class is uniform
 * over those C − 2 classes whatever the suspect, so a trial matches with probability |T|/(C − 2) without the key and
 * the count is Poisson-binomial, exactly as in verify.ts; the threshold and T use only the suspect's and the base
 * model's scores, never the key. A copy that did not flip its answer to the keyed class may still have raised it:
 * this counts that. Prints, per suspect, matches / trials (expected), single-board p for each threshold.
 */
import * as fs from 'fs';
import { onnxVictim } from '../src/attack/victim';
import { keyedChoices, keyedClass } from '../src/response-mark/decision';
import { poissonBinomialTail } from '../src/response-mark/verify';
import { measurementBoard } from './support/measurement-board';
import { arg, positionals } from './support/args';

async function main(): Promise<void> {
  const k = Number(arg('board-offset', '0'));
  const thresholds = arg('thresholds', '0,0.001,0.01,0.05,0.2').split(',').map(Number);
  const files = positionals();
  const board = await measurementBoard(
    fs.readFileSync('test/watermark/fixtures/mnist-lenet-wm.tflite'),
    k,
    arg('rate', '0.5%'),
  );
  const { pool, rate, uid } = board;
  const C = pool.classes;
  const idx = board.marked.map((m) => m.i);
  const offsets = board.marked.map((m) => m.offset);
  console.log(`board ${k} (${uid.toString('hex')}), rate ${rate} ppm: ${idx.length} marked pool inputs`);
  const top = pool.baseArgmax(idx);
  const second = pool.baseRunnerUp(idx);
  const size = pool.samples.length / pool.count;
  const x = new Float32Array(idx.length * size);
  idx.forEach((i, j) => x.set(pool.samples.subarray(i * size, (i + 1) * size), j * size));
  for (const f of files) {
    const v = await onnxVictim(fs.readFileSync(f), f);
    const s = await v.scores(x, idx.length);
    v.dispose();
    const cells = thresholds.map((t) => {
      // per code: the union of the tied most probable eligible classes over its inputs (as offsets are per code)
      const byCode = new Map<string, { keyed: Set<number>; shown: Set<number> }>();
      idx.forEach((i, j) => {
        const row = Array.from(s.subarray(j * C, (j + 1) * C));
        const mx = Math.max(...row);
        const e = row.map((r) => Math.exp(r - mx));
        const z = e.reduce((a, b) => a + b, 0);
        const eligible = Array.from({ length: C }, (_, c) => c).filter((c) => c !== top[j] && c !== second[j]);
        const best = Math.max(...eligible.map((c) => e[c] / z));
        if (best < t) return;
        const code = pool.coarse[i].toString('latin1');
        const entry = byCode.get(code) ?? { keyed: new Set<number>(), shown: new Set<number>() };
        // in offset terms, so that inputs of one code with different base answers count once per offset
        for (let o = 1; o <= keyedChoices(C, true); o++)
          if (e[keyedClass(top[j], o, C, second[j])] / z === best) entry.shown.add(o);
        entry.keyed.add(offsets[j]);
        byCode.set(code, entry);
      });
      const ps: number[] = [];
      let m = 0;
      for (const e of byCode.values()) {
        ps.push(e.shown.size / keyedChoices(C, true));
        if ([...e.keyed].some((o) => e.shown.has(o))) m++;
      }
      const expected = ps.reduce((a, b) => a + b, 0);
      return `t ${t}: ${m}/${ps.length} (${expected.toFixed(1)}) p ${poissonBinomialTail(m, ps).toExponential(1)}`;
    });
    console.log(`${f}: ${cells.join(' | ')}`);
  }
  pool.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
