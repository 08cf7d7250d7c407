/**
 * How the log-ratio statistic's floor was chosen (docs/watermark.md, "Copies trained on many queries: the log-ratio"):
 *   npx tsx scripts/response-mark-floors.ts [--base lenet.tflite] [--board-offset 0] [--floors 8,12,16,20] <suspect>...
 * For the measurement board of scripts/response-mark-measure.ts (scheme 2, rate 0.5% calibrated on MNIST test, the
 * pool MNIST train + test, the least sure 10% left out): the single-board p of the log-ratio at each floor, relative to
 * the base model ("d", log-ratio.ts) and without it ("l": the suspect's own log-probabilities, centred per code), and of
 * the keyed class leading the eligible ones on every marked code ("lead-all": the lead count without a threshold).
 * Each is exact (the keyed offset is uniform per code), computed with log-ratio.ts.
 */
import * as fs from 'fs';
import { onnxVictim, tfliteVictim } from '../src/attack/victim';
import { keyedChoices, keyedClass } from '../src/response-mark/decision';
import { exactTail, LATTICE_STEPS, RatioCode } from '../src/response-mark/log-ratio';
import { asProbabilities } from '../src/response-mark/probabilities';
import { countedMarks, markedInputs, measurementBoard } from './support/measurement-board';
import { arg, positionals } from './support/args';

async function main(): Promise<void> {
  const k = Number(arg('board-offset', '0'));
  const base = fs.readFileSync(arg('base', 'test/watermark/fixtures/mnist-lenet-wm.tflite'));
  const floors = arg('floors', '8,12,16,20').split(',').map(Number);
  const files = positionals();
  const board = await measurementBoard(base, k, arg('rate', '0.5%'));
  const { pool, rate, marked } = board;
  const C = pool.classes;
  const K = keyedChoices(C, true);
  const sel = await countedMarks(board);
  console.log(`board ${k}, rate ${rate} ppm: ${marked.length} marked pool inputs, ${sel.length} counted`);
  const { idx, top, second, baseLog, x } = markedInputs(pool, sel);
  const kinds = ['lead-all', ...floors.map((f) => `d${f}`), ...floors.map((f) => `l${f}`)];
  for (const f of files) {
    const v = await (f.endsWith('.tflite') ? tfliteVictim : onnxVictim)(fs.readFileSync(f), f);
    const s = await v.scores(x, idx.length);
    v.dispose();
    // per code and kind: the sum over its inputs of each offset's value
    const byCode = new Map<string, { offset: number; n: number; vals: Record<string, number[]> }>();
    sel.forEach(({ i, offset }, j) => {
      const lp = asProbabilities(s.subarray(j * C, (j + 1) * C)).map(Math.log);
      const cls = Array.from({ length: K }, (_, o) => keyedClass(top[j], o + 1, C, second[j]));
      const best = Math.max(...cls.map((c) => lp[c]));
      const tied = cls.filter((c) => lp[c] === best).length;
      const per: Record<string, number[]> = { 'lead-all': cls.map((c) => (lp[c] === best ? 1 / tied : 0)) };
      for (const fl of floors) {
        per[`d${fl}`] = cls.map((c) => Math.max(-fl, lp[c]) - Math.max(-fl, baseLog[j][c]));
        const own = cls.map((c) => Math.max(-fl, lp[c]));
        const m = own.reduce((a, b) => a + b, 0) / K;
        per[`l${fl}`] = own.map((q) => q - m);
      }
      const code = pool.coarse[i].toString('latin1');
      const e = byCode.get(code) ?? {
        offset,
        n: 0,
        vals: Object.fromEntries(kinds.map((kk) => [kk, new Array(K).fill(0)])),
      };
      e.n++;
      for (const kk of kinds) per[kk].forEach((q, o) => (e.vals[kk][o] += q));
      byCode.set(code, e);
    });
    const cells = kinds.map((kk) => {
      // the lead indicator on a fine lattice (it takes values 1/tied), the log-ratios on log-ratio.ts's
      const steps = kk === 'lead-all' ? 840 : LATTICE_STEPS;
      const codes: RatioCode[] = [...byCode.values()].map((e) => ({
        offset: e.offset,
        values: Int32Array.from(e.vals[kk], (q) => Math.round((q / e.n) * steps)),
      }));
      const observed = codes.reduce((t, c) => t + c.values[c.offset - 1], 0);
      return `${kk} ${exactTail(observed, codes).toExponential(1)}`;
    });
    console.log(`${f.split('/').slice(-2).join('/')}: ${byCode.size} codes | ${cells.join(' | ')}`);
  }
  pool.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
