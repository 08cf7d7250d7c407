/**
 * Other readings of a board's score offsets on the same suspects (docs/watermark.md, "Trials for the T = 1 and
 * hard-label students"); each weight or projection depends on the pool, the base model and the suspect only, never
 * on the key, so the product's bound holds for each:
 *   npx tsx scripts/score-offsets-readings.ts --package <board.elp> --key <master> --devices <uids.txt>
 *       --models <a.onnx,b.onnx,...> [--pool mnist-test]
 * One line per suspect: Z of the package's board (the largest of the other candidates in brackets) for
 *   product    r = the suspect's log-probabilities minus the base model's, every input and class alike (what
 *              `score-offsets verify` reads)
 *   boundary   each input's r weighted by 4·p1·p2 of the base model (near its decision boundaries)
 *   temp       each input's r minus its projection on the base model's centred log-probabilities
 *   temp-pool  r minus one factor, fitted over the pool, times the base model's centred log-probabilities
 *   classes    each class's r weighted by the base model's probability to the power 0.5
 */
import * as path from 'path';
import { suspectFile } from '../src/cli/suspect';
import { offsetsMoments, readMoments } from '../src/score-offsets/read';
import { keyedSigns } from '../src/score-offsets/signs';
import { loadOffsetsPool, logProbabilities } from '../src/score-offsets/verify';
import { arg } from './support/args';
import { offsetsBoards } from './support/offsets-boards';

const centred = (v: number[]) => {
  const mu = v.reduce((a, b) => a + b, 0) / v.length;
  return v.map((x) => x - mu);
};
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

async function main(): Promise<void> {
  const { pkg, params, candidates } = offsetsBoards();
  const m = params.degrees * params.degrees;
  const pool = await loadOffsetsPool(pkg.model, params, arg('pool', 'mnist-test').split(','));
  const { count: n, classes: C } = pool;
  const signs = candidates.map((c) => keyedSigns(c.key, m, C));
  const own = candidates.findIndex((c) => c.uid === pkg.deviceUid);
  const baseP = pool.baseLogProbs.map((r) => r.map(Math.exp));
  const baseC = pool.baseLogProbs.map(centred);
  for (const model of arg('models', '').split(',')) {
    const s = await suspectFile(model);
    const scores = await s.scores(pool.samples, n);
    s.dispose();
    const r = Array.from({ length: n }, (_, i) =>
      centred(logProbabilities(scores.subarray(i * C, (i + 1) * C)).map((v, c) => v - pool.baseLogProbs[i][c])),
    );
    const factor = r.reduce((a, ri, i) => a + dot(ri, baseC[i]), 0) / baseC.reduce((a, b) => a + dot(b, b), 0);
    const variants: Record<string, (i: number) => number[]> = {
      product: (i) => r[i],
      boundary: (i) => {
        const [p1, p2] = [...baseP[i]].sort((a, b) => b - a);
        return r[i].map((v) => 4 * p1 * p2 * v);
      },
      temp: (i) => {
        const k = dot(r[i], baseC[i]) / Math.max(1e-12, dot(baseC[i], baseC[i]));
        return r[i].map((v, c) => v - k * baseC[i][c]);
      },
      'temp-pool': (i) => r[i].map((v, c) => v - factor * baseC[i][c]),
      classes: (i) => r[i].map((v, c) => Math.sqrt(baseP[i][c]) * v),
    };
    const cells = Object.entries(variants).map(([name, read]) => {
      const a = offsetsMoments(
        n,
        m,
        C,
        (i) => pool.features[i],
        read,
        () => new Array<number>(C).fill(0),
      );
      const z = signs.map((sg) => readMoments(a, sg, n).z);
      const others = Math.max(...z.filter((_, k) => k !== own));
      return `${name} ${z[own].toFixed(2)} (${others.toFixed(2)})`;
    });
    console.log(`${path.basename(model)}: ${cells.join(' | ')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
