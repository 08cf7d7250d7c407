/**
 * Measures per-device tracing (docs/security.md, "Tracing a leaked model to its board"):
 *   npx tsx scripts/trace-measure.ts --base <compiled int8 .tflite> [--devices 1000] [--leaks 100] [--fine-tunes 5]
 *     [--bb-leaks 20] [--bb100-leaks 10] [--quiet <owner data, e.g. mnist-train>] [--probes uniform|mnist-test|boundary]
 *     [--ft-epochs 2] [--ft-lr 0.01] [--ft-blackbox 0] [--argmax-leaks 5] [--argmax-queries 1000]
 *     [--argmax-attacks finetune,prune:0.5[:filter|global|units]]
 *     [--only accuracy,whitebox,finetune,blackbox,argmax,collusion,distil,prune] [--prune-leaks 5] [--prune 0.3,0.5,0.7,0.9]
 *     [--prune-rule filter,global,units] [--prune-finetune 1]
 * Prints one line per measurement (`--only`: the listed sections; all but prune by default). The master key is a fixed test
 * key; candidates are `--devices` uids.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { deriveTraceKey } from '../src/keys/derive';
import { TfliteOracle } from '../src/tflite/oracle';
import { averageCopies, distil, fineTune, netVictim, requantize } from '../src/trace/attacks';
import { pruneWeights, PruneRule } from '../src/trace/prune';
import { carriersOf } from '../src/trace/carriers';
import { deviceCode } from '../src/trace/code';
import { embedTraceCode } from '../src/trace/embed';
import { floatNetFromTflite } from '../src/trace/float-net';
import { readLeak } from '../src/trace/leak-reading';
import { DEFAULT_TRACE_PARAMS, quietTraceParams, describeParams } from '../src/trace/params';
import { uniformProbes } from '../src/trace/probes';
import { boundaryProbes } from '../src/trace/boundary-probes';
import { familyP } from '../src/trace/score';
import { fileVictim, modelScores, withHardLabels, ScoreQuery } from '../src/trace/victims';
import { whiteBoxEvidence } from '../src/trace/whitebox';
import { mnistTestAccuracy, simulatedUids } from '../test/helpers/mnist-boards';
import { arg } from './support/args';

const base = new Uint8Array(readFileSync(arg('base', '')));
const N = Number(arg('devices', '1000'));
const L = Number(arg('leaks', '100'));
const FT = Number(arg('fine-tunes', '5'));
const BB = Number(arg('bb-leaks', '20'));
const BB100 = Number(arg('bb100-leaks', '10'));
const FT_EPOCHS = Number(arg('ft-epochs', '2'));
const FT_LR = Number(arg('ft-lr', '0.01'));
const FT_BLACKBOX = arg('ft-blackbox', '1') !== '0';
const ARGMAX = Number(arg('argmax-leaks', '5'));
const ARGMAX_Q = Number(arg('argmax-queries', '1000'));
const only = arg('only', 'accuracy,whitebox,finetune,blackbox,argmax,collusion,distil').split(',');
const run = (section: string) => only.includes(section);
const alpha = 1e-6;
const QUIET = arg('quiet', '');
const PAR = QUIET ? quietTraceParams(QUIET) : DEFAULT_TRACE_PARAMS;
const PROBES = arg('probes', QUIET ? 'uniform' : 'mnist-test');
const UNIFORM = PROBES === 'uniform';
// --probes boundary: points on the base model's decision boundaries between pairs of MNIST test images
const BOUNDARY = PROBES === 'boundary';
const boundarySets = new Map<number, Promise<Float32Array>>();
const boundaryOf = (q: number) => {
  if (!boundarySets.has(q)) boundarySets.set(q, boundaryProbes(base, test.images, test.count, q));
  return boundarySets.get(q)!;
};
const master = Buffer.alloc(32, 0x5a);
const tk = deriveTraceKey(master);
const uids = simulatedUids('ed9e', N);
const set = carriersOf(base, tk, PAR);
const baseNet = floatNetFromTflite(base);
const K = set.carriers.length;
const codes = uids.map((u) => deviceCode(tk, Buffer.from(u, 'hex'), K));
const test = loadMnist('test');
const train = loadMnist('train');
const size = 784;

function rank(e: Float64Array): Array<{ d: number; z: number }> {
  let en = 0;
  for (const v of e) en += v * v;
  const norm = Math.sqrt(en) || 1;
  return codes
    .map((c, d) => {
      let s = 0;
      for (let j = 0; j < K; j++) s += c[j] * e[j];
      return { d, z: s / norm };
    })
    .sort((a, b) => b.z - a.z);
}
const named = (r: Array<{ d: number; z: number }>) => r.filter((x) => familyP(x.z, N) <= alpha).map((x) => x.d);
const leaked = (d: number) => embedTraceCode(base, tk, Buffer.from(uids[d], 'hex'), PAR).bytes;

interface Tally {
  right: number;
  wrong: number;
  none: number;
  zs: number[];
  runner: number[];
}
const tally = (): Tally => ({ right: 0, wrong: 0, none: 0, zs: [], runner: [] });
function add(t: Tally, r: Array<{ d: number; z: number }>, truth: number[]) {
  const nm = named(r);
  if (nm.length === 0) t.none++;
  else if (nm.every((d) => truth.includes(d)) && truth.includes(r[0].d)) t.right++;
  else t.wrong++;
  t.zs.push(r[0].z);
  t.runner.push(r.find((x) => !truth.includes(x.d))!.z);
}
const show = (name: string, t: Tally) =>
  t.zs.length > 0 &&
  console.log(
    `${name}: named correctly ${t.right}/${t.right + t.wrong + t.none}, wrong ${t.wrong}, none ${t.none}; best ` +
      `z min ${Math.min(...t.zs).toFixed(1)} ` +
      `median ${t.zs.sort((a, b) => a - b)[t.zs.length >> 1].toFixed(1)}; best innocent z ` +
      `max ${Math.max(...t.runner).toFixed(2)}`,
  );

/** A black-box reading: the boards' evidence and the reference it was read against ("" for the base model). */
async function blackBoxRead(
  model: Uint8Array | ScoreQuery,
  q: number,
  hard: boolean,
): Promise<{ evidence: Float64Array; reference: string }> {
  const probes = UNIFORM ? uniformProbes(base, q) : BOUNDARY ? await boundaryOf(q) : test.images.subarray(0, q * size);
  const read = hard ? (x: ScoreQuery) => withHardLabels(x, 10) : (x: ScoreQuery) => x;
  let victim: ScoreQuery;
  let dispose = () => undefined as void;
  if (typeof model === 'function') victim = model;
  else {
    const v = await fileVictim(model);
    victim = v.query;
    dispose = v.dispose;
  }
  try {
    // read as traceLeak reads it: against the base model, or the base pruned as the leak's answers suggest (on
    // boundary probes, then asked again on the pruned reference's boundaries)
    const {
      evidence,
      reference: ref,
      secondRound,
    } = await readLeak({
      base,
      net: baseNet,
      set,
      probes,
      count: q,
      answers: await read(victim)(probes, q),
      baseScores: await modelScores(base, probes, q),
      hardLabels: hard,
      again: BOUNDARY
        ? {
            reprobe: (reference, n) => boundaryProbes(reference, test.images, test.count, n),
            ask: read(victim),
          }
        : undefined,
    });
    const where = ref.pruned ? `${ref.rule} ${ref.pruned}` : '';
    return { evidence, reference: secondRound ? `${where}, asked again on its boundaries` : where };
  } finally {
    dispose();
  }
}

const blackBox = async (model: Uint8Array | ScoreQuery, q: number, hard: boolean) =>
  (await blackBoxRead(model, q, hard)).evidence;

async function main() {
  await TfliteOracle.load(base).then((o) => o.dispose());
  console.log(
    `model ${arg('base', '')}: ${K} carriers (${(set.amplitude ?? []).filter((a) => a > 1).length} quiet), ${N} ` +
      `candidate devices, alpha ${alpha}, ${describeParams(PAR)}, probes ${PROBES}`,
  );
  const t0 = Date.now();
  if (run('accuracy')) await accuracySection();
  if (run('whitebox')) await whiteBoxSection();
  if (run('finetune')) await fineTuneSection();
  if (run('blackbox')) await blackBoxSection();
  if (run('argmax')) await argMaxSection();
  if (run('collusion')) await collusionSection();
  if (run('distil')) await distilSection();
  if (run('prune')) await pruneSection();
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function accuracySection() {
  const accBase = await mnistTestAccuracy(base);
  const accs: number[] = [];
  for (let d = 0; d < 5; d++) accs.push(await mnistTestAccuracy(leaked(d)));
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  console.log(
    `accuracy (10k MNIST test, TFLite runtime): base ${(100 * accBase).toFixed(2)}%, 5 fingerprinted ` +
      `devices ${accs.map((a) => (100 * a).toFixed(2)).join(' ')} (mean ` +
      `cost ${(100 * (accBase - mean)).toFixed(3)} points)`,
  );
  const tEmbed = Date.now();
  leaked(0);
  console.log(`embedding one device: ${Date.now() - tEmbed} ms`);
}

async function whiteBoxSection() {
  const wb = tally();
  const rq = tally();
  for (let d = 0; d < L; d++) {
    const m = leaked(d);
    add(wb, rank(whiteBoxEvidence(m, base, set)), [d]);
    add(rq, rank(whiteBoxEvidence(requantize(m), base, set)), [d]);
  }
  show(`white-box, ${L} leaked devices`, wb);
  show(`white-box after int8 re-quantisation (fresh per-channel scales), ${L} devices`, rq);
  console.log(`  re-quantised copy accuracy: ${(100 * (await mnistTestAccuracy(requantize(leaked(0))))).toFixed(2)}%`);
}

/** device d's copy fine-tuned by a thief on 10% of MNIST train (6k images, FT_EPOCHS epochs at FT_LR) */
function fineTuned(m: Uint8Array, d: number): Uint8Array {
  const subset = 6000;
  const off = (d * 7919) % (60000 - subset);
  const data = {
    x: train.images.subarray(off * size, (off + subset) * size),
    labels: train.labels.subarray(off, off + subset),
    count: subset,
  };
  return fineTune(m, data, { epochs: FT_EPOCHS, lr: FT_LR, seed: 100 + d });
}

async function fineTuneSection() {
  const ft = tally();
  const ftb = tally();
  const ftAcc: number[] = [];
  for (let d = 0; d < FT; d++) {
    const tuned = fineTuned(leaked(d), d);
    ftAcc.push(await mnistTestAccuracy(tuned, 2000));
    add(ft, rank(whiteBoxEvidence(tuned, base, set)), [d]);
    if (FT_BLACKBOX) add(ftb, rank(await blackBox(tuned, 300, false)), [d]);
  }
  show(
    `white-box after fine-tuning on 10% of MNIST train (6k, ${FT_EPOCHS} epochs, SGD lr ${FT_LR}), ${FT} devices`,
    ft,
  );
  show(`black-box (300 soft queries) after the same fine-tuning`, ftb);
  console.log(`  fine-tuned accuracy (2k test): ${ftAcc.map((a) => (100 * a).toFixed(2)).join(' ')}`);
}

async function blackBoxSection() {
  const bb = tally();
  const bbr = tally();
  let tBb = 0;
  for (let d = 0; d < BB; d++) {
    const t = Date.now();
    add(bb, rank(await blackBox(leaked(d), 300, false)), [d]);
    tBb += Date.now() - t;
    add(bbr, rank(await blackBox(requantize(leaked(d)), 300, false)), [d]);
  }
  show(`black-box, int8 output scores, 300 queries, ${BB} devices (${(tBb / BB / 1000).toFixed(1)} s each)`, bb);
  show(`black-box after int8 re-quantisation, 300 queries, ${BB} devices`, bbr);
  const bbq = tally();
  for (let d = 0; d < BB100; d++) add(bbq, rank(await blackBox(leaked(d), 100, false)), [d]);
  show(`black-box, int8 output scores, 100 queries, ${BB100} devices`, bbq);
}

async function argMaxSection() {
  const bbh = tally();
  for (let d = 0; d < ARGMAX; d++) {
    // an unpruned leak is read against the base model unless a pruned reference explains its decisions by far more
    // (reference.ts, LIKELIHOOD_MARGIN): any other reference is printed
    const r = await blackBoxRead(leaked(d), ARGMAX_Q, true);
    add(bbh, rank(r.evidence), [d]);
    if (r.reference) console.log(`  copy ${d}: reference ${r.reference}`);
  }
  show(`black-box, arg-max only, ${ARGMAX_Q} queries, ${ARGMAX} devices, probes ${PROBES}`, bbh);
  const rq = tally();
  for (let d = 0; d < Math.min(2, ARGMAX); d++)
    add(rq, rank(await blackBox(requantize(leaked(d)), ARGMAX_Q, true)), [d]);
  show(`  the same after int8 re-quantisation, ${Math.min(2, ARGMAX)} devices`, rq);
  const own = tally();
  add(own, rank(await blackBox(base, ARGMAX_Q, true)), []);
  show(`  the base model itself (no code): named ${own.right + own.wrong} (should be 0)`, own);
  // --argmax-attacks finetune,prune:<fraction>[:<rule>]: decisions of copies fine-tuned or pruned (per filter unless
  // a rule of prune.ts is given) by the thief
  for (const attack of arg('argmax-attacks', '').split(',').filter(Boolean)) {
    const [what, fraction, rule = 'filter'] = attack.split(':');
    if (what !== 'finetune' && what !== 'prune') throw new Error(`--argmax-attacks: unknown attack ${what}`);
    const copy = (d: number) =>
      what === 'finetune' ? fineTuned(leaked(d), d) : pruneWeights(leaked(d), Number(fraction), rule as PruneRule);
    const t = tally();
    const accs: string[] = [];
    for (let d = 0; d < Math.min(2, ARGMAX); d++) {
      const m = copy(d);
      accs.push((100 * (await mnistTestAccuracy(m, 2000))).toFixed(2));
      const r = await blackBoxRead(m, ARGMAX_Q, true);
      add(t, rank(r.evidence), [d]);
      console.log(`  ${attack} copy ${d}: reference ${r.reference || 'base'}`);
    }
    show(`  after ${attack}, ${Math.min(2, ARGMAX)} devices (copies ${accs.join(', ')}% on 2k test)`, t);
  }
}

async function collusionSection() {
  for (const k of [2, 3]) {
    const wbC = tally();
    const bbC = tally();
    let allNamed = 0;
    const trials = 10;
    for (let t = 0; t < trials; t++) {
      const ds = Array.from({ length: k }, (_, i) => (t * 31 + i * 101) % N);
      const avg = averageCopies(ds.map(leaked));
      const r = rank(whiteBoxEvidence(avg, base, set));
      add(wbC, r, ds);
      if (ds.every((d) => named(r).includes(d))) allNamed++;
      if (t < 5) add(bbC, rank(await blackBox(avg, 300, false)), ds);
    }
    show(`collusion: ${k} copies averaged, white-box, ${trials} trials (named = only colluders)`, wbC);
    console.log(`  all ${k} colluders named in ${allNamed}/${trials}`);
    show(`collusion: ${k} copies averaged, black-box 300 queries, 5 trials`, bbC);
  }
}

async function pruneSection() {
  const leaks = Number(arg('prune-leaks', '5'));
  const tune = arg('prune-finetune', '0') !== '0';
  const rules = arg('prune-rule', 'filter').split(',') as PruneRule[];
  const what = {
    filter: 'smallest weights of every filter',
    global: 'smallest weights of the model, one threshold',
    units: 'output units of every layer but the last with the smallest L1 norm',
  };
  const attack = (m: Uint8Array, f: number, rule: PruneRule, d: number) => {
    const cut = pruneWeights(m, f, rule);
    return tune ? fineTuned(cut, d) : cut;
  };
  for (const rule of rules)
    for (const f of arg('prune', '0.3,0.5,0.7,0.9').split(',').map(Number)) {
      const wb = tally();
      const bb = tally();
      let acc = 0;
      let reference = '';
      for (let d = 0; d < leaks; d++) {
        const pruned = attack(leaked(d), f, rule, d);
        if (d === 0) acc = await mnistTestAccuracy(pruned);
        add(wb, rank(whiteBoxEvidence(pruned, base, set)), [d]);
        if (d < 2) {
          const read = await blackBoxRead(pruned, 300, false);
          add(bb, rank(read.evidence), [d]);
          // the last leak's reference that was not the base model itself, as the table reports it
          if (read.reference) reference = read.reference;
        }
      }
      show(
        `pruned ${Math.round(100 * f)}% (${what[rule]})${tune ? `, then fine-tuned (${FT_EPOCHS} epochs, lr ${FT_LR}, 6k images)` : ''}, ` +
          `white-box, ${leaks} devices; copy ${(100 * acc).toFixed(2)}%`,
        wb,
      );
      show(`  the same, black-box 300 queries, 2 devices (reference: ${reference || 'the base model'})`, bb);
    }
}

async function distilSection() {
  const dist = tally();
  const distB = tally();
  for (let d = 0; d < 2; d++) {
    const v = await fileVictim(leaked(d));
    const copy = await distil(leaked(d), v.query, train.images, 6000, { epochs: 3, lr: 0.02, seed: 7 + d });
    v.dispose();
    const { writeWeights } = await import('../src/trace/float-net');
    const copyFile = writeWeights(base, copy);
    console.log(
      `  distilled copy ${d} accuracy (2k test): ${(100 * (await mnistTestAccuracy(copyFile, 2000))).toFixed(2)}%`,
    );
    add(dist, rank(whiteBoxEvidence(copyFile, base, set)), [d]);
    add(distB, rank(await blackBox(netVictim(copy), 300, false)), [d]);
  }
  show('distillation (6k hard-label queries, same architecture, 3 epochs), white-box on the copy', dist);
  show('distillation, black-box on the copy (300 soft queries)', distB);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
