/**
 * How much better than the base model the best pruned reference explains a leak's decisions, by the logistic
 * likelihood of decision-fit.ts (docs/security.md, "Tracing a leaked model to its board"; it sets reference.ts's
 * LIKELIHOOD_MARGIN):
 *   npx tsx scripts/trace-reference-gain.ts --base <compiled int8 .tflite> [--unpruned 20] [--requantised 5]
 *     [--attacks global:0.1,global:0.2,global:0.3,filter:0.1,filter:0.2,units:0.1,units:0.3] [--copies 2]
 * For each leak (the same boards and master key as trace-measure.ts), on 1,000 probes on the base model's decision
 * boundaries: the gain in nats of the best reference among every rule at every PRUNE_STEP (`coarse`), then at every
 * FINE_STEP within a PRUNE_STEP under its rule (`fine`; closestReference's own search, searchFractions, without its margin
 * and without the unit swaps).
 * Gains of unpruned leaks are chance; a pruned reference is used only above the margin.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { deriveTraceKey } from '../src/keys/derive';
import { requantize } from '../src/trace/attacks';
import { boundaryProbes } from '../src/trace/boundary-probes';
import { answerMargins, decisionLogLikelihood } from '../src/trace/decision-fit';
import { embedTraceCode } from '../src/trace/embed';
import { DEFAULT_TRACE_PARAMS } from '../src/trace/params';
import { PRUNE_RULES, PruneRule, pruneWeights, pruner, unitPruner } from '../src/trace/prune';
import { searchFractions } from '../src/trace/reference';
import { hardLabels, modelScores } from '../src/trace/victims';
import { simulatedUids } from '../test/helpers/mnist-boards';
import { arg } from './support/args';

const base = new Uint8Array(readFileSync(arg('base', '')));
const Q = 1000;
const CLASSES = 10;
const tk = deriveTraceKey(Buffer.alloc(32, 0x5a));
const uids = simulatedUids('ed9e', 1000);
const test = loadMnist('test');
const leaked = (d: number) => embedTraceCode(base, tk, Buffer.from(uids[d], 'hex'), DEFAULT_TRACE_PARAMS).bytes;

async function main() {
  const t0 = Date.now();
  const probes = await boundaryProbes(base, test.images, test.count, Q);
  const units = unitPruner(base);
  const pruners = new Map(PRUNE_RULES.map((rule) => [rule, rule === 'units' ? units.prune : pruner(base, rule)]));
  // every reference's scores, asked once for all leaks
  const asked = new Map<string, Promise<Float32Array>>();
  const scoresAt = (rule: PruneRule, f: number) => {
    const key = `${rule} ${f}`;
    if (!asked.has(key)) asked.set(key, modelScores(pruners.get(rule)!(f).model, probes, Q));
    return asked.get(key)!;
  };
  const baseScores = await modelScores(base, probes, Q);
  const leaks: Array<[string, () => Uint8Array]> = [];
  for (let d = 0; d < Number(arg('unpruned', '20')); d++) leaks.push([`unpruned ${d}`, () => leaked(d)]);
  for (let d = 0; d < Number(arg('requantised', '5')); d++)
    leaks.push([`re-quantised ${d}`, () => requantize(leaked(d))]);
  const attacks = arg('attacks', 'global:0.1,global:0.2,global:0.3,filter:0.1,filter:0.2,units:0.1,units:0.3');
  for (const attack of attacks.split(',').filter(Boolean)) {
    const [rule, fraction] = attack.split(':');
    if (!PRUNE_RULES.includes(rule as PruneRule)) throw new Error(`--attacks: unknown rule ${rule}`);
    for (let d = 0; d < Number(arg('copies', '2')); d++)
      leaks.push([`${attack} ${d}`, () => pruneWeights(leaked(d), Number(fraction), rule as PruneRule)]);
  }
  for (const [name, make] of leaks) {
    const answers = hardLabels(await modelScores(make(), probes, Q), CLASSES);
    const likelihood = (s: Float32Array) => decisionLogLikelihood(answerMargins(s, { answers, count: Q }));
    const own = likelihood(baseScores);
    // the best reference however small its gain (closestReference's search without the margin)
    let best: { rule?: PruneRule; pruned: number; ll: number } = { pruned: 0, ll: -Infinity };
    const coarse = await searchFractions(
      async (rule, fraction) => {
        const ll = likelihood(await scoresAt(rule, fraction));
        if (ll > best.ll) best = { rule, pruned: fraction, ll };
      },
      () => best,
    );
    console.log(
      `${name}: base model ${own.toFixed(1)} nats; coarse ${coarse.rule} ${coarse.pruned} gains ` +
        `${(coarse.ll - own).toFixed(1)}; fine ${best.rule} ${best.pruned} gains ${(best.ll - own).toFixed(1)}`,
    );
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
