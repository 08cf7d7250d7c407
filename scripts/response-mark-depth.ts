/**
 * Would a keyed class that also passes over the base model's third class help (docs/watermark.md, "Trials for the
 * hard-label convolutional copy")?
 *   npx tsx scripts/response-mark-depth.ts [--base lenet.tflite] [--board-offset 0] <copy.onnx>@<attacker seed> ...
 * The saved copies (response-mark-measure.ts --save) were distilled from a scheme-2 board, whose keyed class is never
 * the base model's arg-max nor its runner-up. A copy's own confusions outside the marks might favour the base model's
 * third class; then a keyed class that skips the top d classes would leave those out of the statistic. On the
 * measurement board's counted marks this prints the weighted lead's single-board p (exact, log-ratio.ts's lattice):
 *   d2         the weighted lead as verify computes it (the keyed class drawn from C − 2 classes);
 *   d2 sub d   the same on the codes whose keyed class is not among the base model's top d (a fair comparison for d3, d4);
 *   d2 ×m      the weight of a code whose most raised class is the base model's third class multiplied by m (a
 *              verifier-side change: keyless, the null stays exact);
 *   d3, d4     the keyed class drawn from the C − d classes outside the base model's top d, simulated on the codes
 *              whose scheme-2 keyed class lies there (their offset renumbered), the weighted lead over C − d offsets.
 * The copies' numbers of hits (codes whose keyed offset is the only most raised one) and codes are in parentheses.
 */
import * as fs from 'fs';
import { queryOrder } from '../src/attack/extraction';
import { onnxVictim } from '../src/attack/victim';
import { keyedClass } from '../src/response-mark/decision';
import { exactTail, LATTICE_STEPS, RatioCode } from '../src/response-mark/log-ratio';
import { asProbabilities } from '../src/response-mark/probabilities';
import { leadWeight, WEIGHTED_LEAD } from '../src/response-mark/weighted-lead';
import { countedMarks, markedInputs, measurementBoard } from './support/measurement-board';
import { arg, positionals } from './support/args';

interface Variant {
  name: string;
  /** the keyed classes skip the base model's top `depth` classes */
  depth: number;
  /** codes whose keyed class is among the base model's top `subset` are left out */
  subset: number;
  /** the weight multiplier of a code whose single most raised class is the base model's third */
  third: number;
}

const VARIANTS: Variant[] = [
  { name: 'd2', depth: 2, subset: 2, third: 1 },
  { name: 'd2 sub3', depth: 2, subset: 3, third: 1 },
  { name: 'd2 sub4', depth: 2, subset: 4, third: 1 },
  { name: 'd2 ×0.5', depth: 2, subset: 2, third: 0.5 },
  { name: 'd2 ×0.25', depth: 2, subset: 2, third: 0.25 },
  { name: 'd2 ×0', depth: 2, subset: 2, third: 0 },
  { name: 'd3', depth: 3, subset: 3, third: 1 },
  { name: 'd4', depth: 4, subset: 4, third: 1 },
];

async function main(): Promise<void> {
  const k = Number(arg('board-offset', '0'));
  const board = await measurementBoard(
    fs.readFileSync(arg('base', 'test/watermark/fixtures/mnist-lenet-wm.tflite')),
    k,
  );
  const { pool } = board;
  const C = pool.classes;
  const sel = await countedMarks(board);
  const { idx, top, second, baseLog, x } = markedInputs(pool, sel);
  const keyed = sel.map((m, j) => keyedClass(top[j], m.offset, C, second[j]));
  const byRank = idx.map((_, j) =>
    Array.from({ length: C }, (_, c) => c).sort((a, b) => baseLog[j][b] - baseLog[j][a]),
  );
  const floor = WEIGHTED_LEAD.floor;
  for (const spec of positionals()) {
    const [file, seedText] = spec.split('@');
    const v = await onnxVictim(fs.readFileSync(file), file);
    const s = await v.scores(x, idx.length);
    v.dispose();
    const lp = idx.map((_, j) => asProbabilities(s.subarray(j * C, (j + 1) * C)).map(Math.log));
    const asked = new Set(
      queryOrder(
        60000,
        Array.from({ length: 500 }, (_, i) => i),
        Number(seedText ?? 1),
      ).subarray(0, 6000),
    );
    const cells: string[] = [];
    for (const va of VARIANTS)
      for (const onlyAsked of [false, true]) {
        interface Code {
          offset: number;
          bad: boolean;
          n: number;
          third: number;
          ratio: Float64Array;
          prob: Float64Array;
        }
        const byCode = new Map<string, Code>();
        sel.forEach((m, j) => {
          if (onlyAsked && !asked.has(m.i)) return;
          const skipped = new Set(byRank[j].slice(0, va.depth));
          const eligible: number[] = [];
          for (let c = (top[j] + 1) % C; c !== top[j]; c = (c + 1) % C) if (!skipped.has(c)) eligible.push(c);
          const key = pool.coarse[m.i].toString('latin1');
          const offset = eligible.indexOf(keyed[j]) + 1;
          const n = C - va.depth;
          const e = byCode.get(key) ?? {
            offset,
            bad: false,
            n: 0,
            third: eligible.indexOf(byRank[j][2]),
            ratio: new Float64Array(n),
            prob: new Float64Array(n),
          };
          // a code left out: its keyed class is among the skipped ones, or its inputs disagree on the offset
          if (offset === 0 || offset !== e.offset || byRank[j].slice(0, va.subset).includes(keyed[j])) e.bad = true;
          eligible.forEach((c, t) => {
            e.ratio[t] += Math.max(-floor, lp[j][c]) - Math.max(-floor, baseLog[j][c]);
            e.prob[t] += Math.exp(lp[j][c]);
          });
          e.n++;
          byCode.set(key, e);
        });
        const codes: RatioCode[] = [];
        let hits = 0;
        for (const e of byCode.values()) {
          if (e.bad) continue;
          const means = e.ratio.map((r) => r / e.n);
          const best = Math.max(...means);
          const q = Math.max(...e.prob.map((p) => p / e.n));
          const inT = Array.from(means, (r) => r === best);
          const tied = inT.filter(Boolean).length;
          if (inT[e.offset - 1] && tied === 1) hits++;
          const w = leadWeight(q) * (tied === 1 && inT[e.third] ? va.third : 1);
          codes.push({
            offset: e.offset,
            values: Int32Array.from(inT, (t) =>
              Math.round(Math.log(1 - w + (t ? (means.length * w) / tied : 0)) * LATTICE_STEPS),
            ),
          });
        }
        const observed = codes.reduce((t, c) => t + c.values[c.offset - 1], 0);
        const p = codes.length ? exactTail(observed, codes) : 1;
        cells.push(`${va.name}${onlyAsked ? ' asked' : ''} ${p.toExponential(1)} (${hits}/${codes.length})`);
      }
    console.log(`${file}${seedText ? `@${seedText}` : ''}:\n  ${cells.join('\n  ')}`);
  }
  pool.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
