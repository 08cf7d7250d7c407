/**
 * Making a fingerprint for the owner's model (Lukas et al.'s conferrable adversarial examples):
 *   1. surrogates: copies distilled from the owner's hard labels (src/attack/distill.ts), of the
 *      owner's architecture and of others (what a thief would train);
 *   2. references: models trained on the true labels, independently of the owner;
 *   3. crafting (./craft.ts) from held-out real samples the owner classifies correctly, towards the
 *      owner's second most likely class; kept are the inputs on which the owner and every surrogate
 *      give the target and no reference does, best conferrability first;
 *   4. the null: further independent models (calibration models, never used to craft) answer the
 *      fingerprint; the null rate is the larger of the pooled rate's one-sided Clopper–Pearson upper
 *      bound (99.9%) and the largest single-model rate, plus a margin.
 * The owner's model is not changed: the fingerprint costs no accuracy.
 */
import { distillCopy } from '../attack/distill';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { LabelledData } from '../train/fit';
import { trainableFromModel } from '../train/from-model';
import { Sequential } from '../train/network';
import { pooledNull } from '../watermark/null-rate';
import { DEFAULT_ALPHA } from '../watermark/score';
import {
  FINGERPRINT_KIND,
  FINGERPRINT_METHOD,
  FINGERPRINT_VERSION,
  Fingerprint,
  FingerprintNull,
  NullModel,
  modelDigest,
} from './artefact';
import { craftConferrable, softmaxRows } from './craft';

export const NULL_MARGIN = 0.05;

export interface Architecture {
  name: string;
  /** a trainable chain (its weights are not used: every model trained from it starts fresh) */
  model: Model;
}

export interface TrainBudget {
  /** training samples (queries to the owner for a surrogate) */
  samples: number;
  epochs: number;
}

export interface CreateOptions {
  owner: Model;
  ownerBytes: Uint8Array;
  /** architectures surrogates, references and calibration models cycle through (the owner's first) */
  architectures: Architecture[];
  /** labelled training pool: the surrogates' queries and the references' training data */
  pool: LabelledData;
  /** held-out real samples to craft from (labelled; not in `pool`) */
  seeds: LabelledData;
  surrogates: number;
  references: number;
  calibration: number;
  surrogateBudget: TrainBudget;
  referenceBudget: TrainBudget;
  /** fingerprint inputs wanted */
  count: number;
  /** seed samples crafted (more than count: not all become conferrable) */
  candidates: number;
  epsilon: number;
  steps: number;
  refWeight: number;
  range: [number, number];
  seed: number;
  threads?: number;
  alpha?: number;
  /** trains (or fetches from a cache) one model; default: distillCopy */
  train?: (key: string, make: () => Promise<Model>) => Promise<Model>;
  log?: (line: string) => void;
}

export interface CreateResult {
  fingerprint: Fingerprint;
  /** inputs that passed the conferrability filter (before trimming to count) */
  conferrable: number;
}

function netOf(m: Model): Sequential {
  return trainableFromModel(m).net;
}

function predictNet(net: Sequential, x: Float32Array, count: number): { labels: Int32Array; probs: Float32Array } {
  const classes = net.outputSize;
  const labels = new Int32Array(count);
  const probs = new Float32Array(count * classes);
  for (let s = 0; s < count; s += 256) {
    const n = Math.min(256, count - s);
    const p = softmaxRows(net.forward(x.subarray(s * net.inputSize, (s + n) * net.inputSize), n, false), n, classes);
    probs.set(p, s * classes);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + best]) best = c;
      labels[s + i] = best;
    }
  }
  return { labels, probs };
}

/** The window of `samples` pool entries starting at `offset` (wrapping). */
function window(pool: LabelledData, offset: number, samples: number): LabelledData {
  const n = Math.min(samples, pool.count);
  const size = pool.x.length / pool.count;
  const x = new Float32Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = (offset + i) % pool.count;
    x.set(pool.x.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = pool.labels[j];
  }
  return { x, labels, count: n };
}

export function summariseNull(models: NullModel[], margin = NULL_MARGIN): FingerprintNull {
  const pooled = pooledNull(models);
  return {
    models,
    ...pooled,
    margin,
    nullRate: Math.min(0.99, Math.max(pooled.upperBound, pooled.maxModelRate) + margin),
  };
}

export async function createFingerprint(o: CreateOptions): Promise<CreateResult> {
  const log = o.log ?? (() => undefined);
  const train = o.train ?? ((_k, make) => make());
  const ownerNet = netOf(o.owner);
  const classes = ownerNet.outputSize;
  const size = ownerNet.inputSize;
  if (o.pool.x.length !== o.pool.count * size || o.seeds.x.length !== o.seeds.count * size)
    throw new EdgelockError('E_DATA_SHAPE', `the data does not hold samples of ${size} values`);
  const ownerLabels = predictNet(ownerNet, o.pool.x, o.pool.count).labels;
  const archOf = (i: number) => o.architectures[i % o.architectures.length];
  const poolStep = Math.floor(o.pool.count / Math.max(1, o.surrogates + o.references + o.calibration));

  const trainOne = async (role: string, i: number, labels: 'owner' | 'true', budget: TrainBudget, k: number, a = i) => {
    const arch = archOf(a);
    const offset = (k * poolStep) % o.pool.count;
    const seed = o.seed + 1000 * k + 17;
    const what = `${arch.name} seed ${seed} on ${Math.min(budget.samples, o.pool.count)} ${labels === 'owner' ? "of the owner's labels" : 'true labels'}`;
    const key = `${role}-${labels}-${arch.name}-${offset}-${budget.samples}-${budget.epochs}-${seed}`;
    const model = await train(key, async () => {
      const data = window(o.pool, offset, budget.samples);
      const answers = new Int32Array(data.count);
      for (let j = 0; j < data.count; j++)
        answers[j] = labels === 'owner' ? ownerLabels[(offset + j) % o.pool.count] : data.labels[j];
      const d = await distillCopy(async () => answers, arch.model, data, {
        queries: data.count,
        epochs: budget.epochs,
        seed,
        threads: o.threads,
      });
      return d.copy;
    });
    log(`fingerprint: ${role} ${i + 1}: ${what}`);
    return { model, what };
  };

  let k = 0;
  const surrogates: Sequential[] = [];
  for (let i = 0; i < o.surrogates; i++)
    surrogates.push(netOf((await trainOne('surrogate', i, 'owner', o.surrogateBudget, k++)).model));
  const references: Sequential[] = [];
  for (let i = 0; i < o.references; i++)
    references.push(netOf((await trainOne('reference', i, 'true', o.referenceBudget, k++)).model));
  const calibration: Array<{ net: Sequential; what: string }> = [];
  for (let i = 0; i < o.calibration; i++) {
    const r = await trainOne('calibration', i, 'true', o.referenceBudget, k++, i + o.references);
    calibration.push({ net: netOf(r.model), what: r.what });
  }

  // seeds the owner classifies correctly, towards its runner-up class
  const seedPred = predictNet(ownerNet, o.seeds.x, o.seeds.count);
  const chosen: number[] = [];
  for (let s = 0; s < o.seeds.count && chosen.length < o.candidates; s++)
    if (seedPred.labels[s] === o.seeds.labels[s]) chosen.push(s);
  const x0 = new Float32Array(chosen.length * size);
  const targets = new Int32Array(chosen.length);
  chosen.forEach((s, j) => {
    x0.set(o.seeds.x.subarray(s * size, (s + 1) * size), j * size);
    let best = -1;
    for (let c = 0; c < classes; c++)
      if (
        c !== seedPred.labels[s] &&
        (best < 0 || seedPred.probs[s * classes + c] > seedPred.probs[s * classes + best])
      )
        best = c;
    targets[j] = best;
  });
  log(`fingerprint: crafting ${chosen.length} candidates (epsilon ${o.epsilon}, ${o.steps} steps)`);
  const crafted = craftConferrable({ owner: ownerNet, surrogates, references }, x0, chosen.length, targets, {
    epsilon: o.epsilon,
    steps: o.steps,
    stepSize: (2.5 * o.epsilon) / o.steps,
    refWeight: o.refWeight,
    range: o.range,
  });

  // conferrability filter and ranking
  const n = chosen.length;
  const po = predictNet(ownerNet, crafted, n);
  const ps = surrogates.map((m) => predictNet(m, crafted, n));
  const pr = references.map((m) => predictNet(m, crafted, n));
  const ranked: Array<{ j: number; score: number }> = [];
  for (let j = 0; j < n; j++) {
    const t = targets[j];
    if (po.labels[j] !== t || ps.some((p) => p.labels[j] !== t) || pr.some((p) => p.labels[j] === t)) continue;
    const sMin = Math.min(...ps.map((p) => p.probs[j * classes + t]));
    const rMax = Math.max(0, ...pr.map((p) => p.probs[j * classes + t]));
    ranked.push({ j, score: sMin * (1 - rMax) });
  }
  ranked.sort((a, b) => b.score - a.score || a.j - b.j);
  const keep = ranked.slice(0, o.count).sort((a, b) => a.j - b.j);
  log(`fingerprint: ${ranked.length} of ${n} conferrable, keeping ${keep.length}`);
  if (keep.length < Math.min(o.count, 20))
    throw new EdgelockError(
      'E_FINGERPRINT_MODEL',
      `only ${keep.length} conferrable inputs were found; raise --candidates or --epsilon`,
    );
  const inputs = new Float32Array(keep.length * size);
  keep.forEach((e, i) => inputs.set(crafted.subarray(e.j * size, (e.j + 1) * size), i * size));
  const labels = keep.map((e) => targets[e.j]);

  const nullModels: NullModel[] = calibration.map((c) => {
    const p = predictNet(c.net, inputs, keep.length).labels;
    let matches = 0;
    for (let i = 0; i < keep.length; i++) if (p[i] === labels[i]) matches++;
    return { model: c.what, matches, trials: keep.length };
  });
  const nullSummary = summariseNull(nullModels);
  log(`fingerprint: null rate ${nullSummary.nullRate.toFixed(3)} from ${nullModels.length} calibration models`);

  const fingerprint: Fingerprint = {
    kind: FINGERPRINT_KIND,
    version: FINGERPRINT_VERSION,
    method: FINGERPRINT_METHOD,
    modelSha256: modelDigest(o.ownerBytes),
    classes,
    sampleShape: ownerNet.inputShape,
    count: keep.length,
    inputs,
    labels,
    null: nullSummary,
    alpha: o.alpha ?? DEFAULT_ALPHA,
    crafting: {
      architectures: o.architectures.map((a) => a.name),
      surrogates: o.surrogates,
      references: o.references,
      calibration: o.calibration,
      surrogateSamples: o.surrogateBudget.samples,
      surrogateEpochs: o.surrogateBudget.epochs,
      referenceSamples: o.referenceBudget.samples,
      referenceEpochs: o.referenceBudget.epochs,
      candidates: n,
      epsilon: o.epsilon,
      steps: o.steps,
      refWeight: o.refWeight,
      seed: o.seed,
    },
  };
  return { fingerprint, conferrable: ranked.length };
}
