/**
 * Fine-tuned references for black-box tracing (docs/security.md, "Tracing a leaked model to its board"). A thief who
 * fine-tunes a leaked copy moves its answers far more than the ±1-step code does, and read against the base model
 * the code is lost (the DS-CNN and ResNet-8 fine-tuned 2 epochs at lr 0.01 on 6,000 samples: the leaker not even the
 * best of 1,000 boards). Much of that move is what any fine-tune of the model on the task's data does, so the owner
 * fine-tunes the base model himself on his own inputs — labelled by the base model's own decisions, so unlabelled
 * inputs of the task serve — and reads the leak against that: what is left is the code plus the difference between
 * the two fine-tunes. Several runs (seeds) are averaged so their own noise cancels; the learning rate is the one of
 * TUNE_RATES whose first run answers closest to the leak (mean squared difference of the scores).
 *
 * The references depend on the base model, the owner's inputs and the leak's answers only, never on a candidate's
 * code, so the bound of score.ts holds.
 */
import { fineTune } from './attacks';
import { floatNetFromTflite, toNetLayout } from './float-net';
import { meanSquare } from './reference';
import { argmax, modelScores } from './victims';

/** The learning rates tried (SGD, momentum 0.9, as attacks.ts fineTune). */
export const TUNE_RATES: readonly number[] = [0.003, 0.01, 0.03];
export const TUNE_EPOCHS = 2;
/** At most this many of the owner's inputs are tuned on (the CLI takes the first ones). */
export const TUNE_SAMPLES = 6000;
/** Runs averaged at the chosen rate. */
export const TUNE_RUNS = 3;

export interface TuneData {
  /** the owner's inputs in the compiled model's input layout (as probes are) */
  x: Float32Array;
  count: number;
}

export interface TunedReference {
  lr: number;
  runs: number;
  /** the first run (its Jacobian is read) */
  model: Uint8Array;
  /** the runs' mean scores on the probes */
  scores: Float32Array;
  /** mean squared difference between those and the leak's answers */
  distance: number;
}

/**
 * The fine-tuned models of one base model and one set of the owner's inputs, by learning rate and run: the same for
 * every leak read in a process (each parameter set of a trace, the tests' several leaks), so each is tuned once.
 */
const tunedModels = new WeakMap<TuneData, { base: Uint8Array; tune: Tuner }>();
type Tuner = (lr: number, run: number) => Uint8Array;

/** Fine-tunes the base model on the owner's inputs, labelled by the base model's own decisions (the int8 runtime). */
async function tunerFor(base: Uint8Array, data: TuneData): Promise<Tuner> {
  const known = tunedModels.get(data);
  if (known && known.base === base) return known.tune;
  const own = await modelScores(base, data.x, data.count);
  const fn = floatNetFromTflite(base);
  const classes = own.length / data.count;
  const labels = Uint8Array.from({ length: data.count }, (_, s) => argmax(own, s * classes, classes));
  const labelled = { x: toNetLayout(data.x, data.count, fn.modelInputShape), labels, count: data.count };
  const models = new Map<string, Uint8Array>();
  const tune: Tuner = (lr, run) => {
    const key = `${lr}/${run}`;
    if (!models.has(key)) models.set(key, fineTune(base, labelled, { epochs: TUNE_EPOCHS, lr, seed: 7001 + run }));
    return models.get(key)!;
  };
  tunedModels.set(data, { base, tune });
  return tune;
}

/** The base model fine-tuned on `data` as the leak's answers on `probes` suggest (module comment). */
export async function tunedReference(
  base: Uint8Array,
  data: TuneData,
  probes: Float32Array,
  count: number,
  answers: Float32Array,
  runs = TUNE_RUNS,
): Promise<TunedReference> {
  const tune = await tunerFor(base, data);
  let best: { lr: number; model: Uint8Array; scores: Float32Array; distance: number } | null = null;
  for (const lr of TUNE_RATES) {
    const model = tune(lr, 0);
    const scores = await modelScores(model, probes, count);
    const distance = meanSquare(scores, answers);
    if (!best || distance < best.distance) best = { lr, model, scores, distance };
  }
  const chosen = best!;
  const sum = Float64Array.from(chosen.scores);
  for (let run = 1; run < runs; run++) {
    const scores = await modelScores(tune(chosen.lr, run), probes, count);
    scores.forEach((v, i) => (sum[i] += v));
  }
  const scores = Float32Array.from(sum, (v) => v / runs);
  return { lr: chosen.lr, runs, model: chosen.model, scores, distance: meanSquare(scores, answers) };
}
