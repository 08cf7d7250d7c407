/**
 * Where a copy's response-mark evidence is, and what reads it (docs/watermark.md, "The weighted lead"):
 *   npx tsx scripts/response-mark-queried.ts [--base lenet.tflite] [--board-offset 0] [--queries 6000]
 *     [--refs a.onnx,b.onnx] <suspect.onnx>[@<attacker seed>] ...
 * For the measurement board of scripts/response-mark-measure.ts (scheme 2, rate 0.5% calibrated on MNIST test, the pool
 * MNIST train + test, the least sure 10% left out), the single-board p (exact, log-ratio.ts's lattice) of:
 *   all       the log-ratio at e^-8 on every marked code (the part verify uses);
 *   queried   the same on the marked codes the attacker queried (known here from the seed: response-mark-measure.ts's
 *             query order, the first --queries of MNIST train without the first 500), with how many of them have the
 *             keyed class as the most raised eligible one — what an owner who knew the queries would see;
 *   gap ≥ t   the keyed class the most raised on the codes whose most raised class leads the next by ≥ t nats
 *             (a keyless choice of codes; binomial at 1/8);
 *   refs      the log-ratio at e^-8 against the mean of reference models (keyless) instead of the base model;
 *   weighted  the weighted lead (weighted-lead.ts).
 * Every statistic's null is exact: the codes and values depend only on the suspect, the base model and the references.
 */
import * as fs from 'fs';
import { queryOrder } from '../src/attack/extraction';
import { onnxVictim, tfliteVictim } from '../src/attack/victim';
import { keyedChoices } from '../src/response-mark/decision';
import {
  codeMeans,
  exactTail,
  flooredRatio,
  LATTICE_STEPS,
  MarkedReading,
  RatioCode,
} from '../src/response-mark/log-ratio';
import { asProbabilities } from '../src/response-mark/probabilities';
import { poissonBinomialTail } from '../src/response-mark/verify';
import { weightedLeadCodes } from '../src/response-mark/weighted-lead';
import { countedMarks, markedInputs, measurementBoard } from './support/measurement-board';
import { arg, listArg, positionals } from './support/args';

const FLOOR = 8;

async function logProbsOf(file: string, x: Float32Array, count: number, C: number): Promise<number[][]> {
  const v = await (file.endsWith('.tflite') ? tfliteVictim : onnxVictim)(fs.readFileSync(file), file);
  const s = await v.scores(x, count);
  v.dispose();
  return Array.from({ length: count }, (_, j) => asProbabilities(s.subarray(j * C, (j + 1) * C)).map(Math.log));
}

const tail = (codes: RatioCode[]) =>
  codes.length
    ? exactTail(
        codes.reduce((t, c) => t + c.values[c.offset - 1], 0),
        codes,
      )
    : 1;
const lattice = (means: Float64Array) => Int32Array.from(means, (v) => Math.round(v * LATTICE_STEPS));

async function main(): Promise<void> {
  const k = Number(arg('board-offset', '0'));
  const queries = Number(arg('queries', '6000'));
  const refs = listArg('refs');
  const board = await measurementBoard(
    fs.readFileSync(arg('base', 'test/watermark/fixtures/mnist-lenet-wm.tflite')),
    k,
  );
  const { pool, rate, marked } = board;
  const C = pool.classes;
  const sel = await countedMarks(board);
  const { idx, top, second, baseLog, x } = markedInputs(pool, sel);
  const at = new Map(idx.map((i, j) => [i, j]));
  // the references' mean floored log-probabilities, as a base model
  let refLog: number[][] | undefined;
  if (refs.length) {
    const all = await Promise.all(refs.map((f) => logProbsOf(f, x, idx.length, C)));
    refLog = idx.map((_, j) =>
      Array.from({ length: C }, (_, c) => all.reduce((t, r) => t + Math.max(-FLOOR, r[j][c]), 0) / refs.length),
    );
  }
  console.log(`board ${k}, rate ${rate} ppm: ${marked.length} marked pool inputs, ${sel.length} counted`);
  const inputs = sel.map(({ i, offset }) => ({ index: i, offset }));
  for (const spec of positionals()) {
    const [file, seedText] = spec.split('@');
    const lp = await logProbsOf(file, x, idx.length, C);
    const reading: MarkedReading = {
      classes: C,
      code: (i) => pool.coarse[i].toString('latin1'),
      suspectLog: (i) => lp[at.get(i)!],
      baseLog: (i) => baseLog[at.get(i)!],
      top: (i) => top[at.get(i)!],
      second: (i) => second[at.get(i)!],
    };
    const cells: string[] = [];
    const byCode = codeMeans(inputs, reading, flooredRatio(FLOOR));
    const codes = byCode.map((e) => ({ offset: e.offset, values: lattice(e.means) }));
    cells.push(`all ${tail(codes).toExponential(1)} (${codes.length} codes)`);
    const mostRaised = (e: { offset: number; means: Float64Array }) => e.means[e.offset - 1] === Math.max(...e.means);
    if (seedText) {
      const asked = new Set(
        queryOrder(
          60000,
          Array.from({ length: 500 }, (_, i) => i),
          Number(seedText),
        ).subarray(0, queries),
      );
      const q = codeMeans(
        inputs.filter((m) => asked.has(m.index)),
        reading,
        flooredRatio(FLOOR),
      );
      const qc = q.map((e) => ({ offset: e.offset, values: lattice(e.means) }));
      cells.push(`queried ${tail(qc).toExponential(1)} (${q.filter(mostRaised).length} of ${q.length} most raised)`);
    }
    for (const t of [1, 2]) {
      const chosen = byCode.filter((e) => {
        const v = [...e.means].sort((a, b) => b - a);
        return v[0] - v[1] >= t;
      });
      const hits = chosen.filter(mostRaised).length;
      const p = poissonBinomialTail(
        hits,
        chosen.map(() => 1 / keyedChoices(C, true)),
      );
      cells.push(`gap ≥ ${t}: ${hits}/${chosen.length} ${p.toExponential(1)}`);
    }
    if (refLog) {
      const r = refLog;
      const vsRefs = codeMeans(inputs, { ...reading, baseLog: (i) => r[at.get(i)!] }, flooredRatio(FLOOR));
      cells.push(`refs ${tail(vsRefs.map((e) => ({ offset: e.offset, values: lattice(e.means) }))).toExponential(1)}`);
    }
    cells.push(`weighted ${tail(weightedLeadCodes(inputs, reading)).toExponential(1)}`);
    console.log(`${file.split('/').slice(-2).join('/')}${seedText ? `@${seedText}` : ''}: ${cells.join(' | ')}`);
  }
  pool.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
