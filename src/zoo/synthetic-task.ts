/**
 * Deterministic synthetic classification tasks for the zoo models that have no bundled real
 * dataset (kws-dscnn, cifar-resnet8). Each task has fixed class prototypes (drawn from the task's
 * own seed) and splits drawn from separate seeds, so the training set, the calibration set and the
 * held-back test set are regenerated exactly by anyone, without committing data files.
 *
 * - synthetic-kws: 12 classes of MFCC-like [1,49,10] "spectrograms". A class prototype is a sum of
 *   smooth Gaussian blobs in (time, coefficient) plus one horizontal band; a sample is its
 *   prototype shifted in time by up to ±6 frames, scaled by a gain in [0.75, 1.25], with a smooth
 *   per-coefficient offset and Gaussian noise (σ 0.4). Values lie roughly in [-4, 4].
 * - synthetic-cifar: 10 classes of [3,32,32] textured images in [0,1]. A class prototype is an
 *   oriented sinusoidal grating (class frequency and angle) in two class colours plus one soft
 *   blob; a sample has a random grating phase, a blob displaced by up to ±4 pixels, per-channel
 *   colour jitter (gain ±15%, offset ±0.08) and Gaussian noise (σ 0.05), clipped to [0,1].
 */
import { Rng } from '../train/rng';

export type TaskSplit = 'train' | 'calib' | 'test';

export interface SyntheticSet {
  /** count samples in NCHW order, float32. */
  data: Float32Array;
  labels: Int32Array;
  count: number;
  /** One sample without batch: [C, H, W]. */
  sampleShape: number[];
  classes: number;
  task: string;
}

interface TaskDef {
  task: string;
  classes: number;
  sampleShape: [number, number, number];
  seed: number;
  /** Class prototypes, built once per task from the task seed. */
  prototypes: (rng: Rng) => unknown[];
  /** Writes one sample of class `label` into `out`. */
  sample: (proto: unknown, rng: Rng, out: Float32Array) => void;
}

/** Seeds per split: disjoint streams, so the held-back test split shares no draws with training. */
const SPLIT_OFFSET: Record<TaskSplit, number> = { train: 101, calib: 202, test: 303 };

// ---- synthetic-kws ------------------------------------------------------------------------

interface KwsProto {
  blobs: { t: number; f: number; st: number; sf: number; a: number }[];
  band: { f: number; a: number; t0: number; t1: number };
}

const KWS_T = 49;
const KWS_F = 10;

function kwsPrototypes(rng: Rng): KwsProto[] {
  return Array.from({ length: 12 }, () => ({
    blobs: Array.from({ length: 3 }, () => ({
      t: rng.range(8, 41),
      f: rng.range(0, KWS_F - 1),
      st: rng.range(2, 6),
      sf: rng.range(0.8, 2.5),
      a: (rng.uniform() < 0.5 ? -1 : 1) * rng.range(1.5, 3),
    })),
    band: {
      f: rng.int(KWS_F),
      a: (rng.uniform() < 0.5 ? -1 : 1) * rng.range(1, 2),
      t0: rng.range(0, 20),
      t1: rng.range(29, 49),
    },
  }));
}

function kwsSample(protoU: unknown, rng: Rng, out: Float32Array): void {
  const p = protoU as KwsProto;
  const shift = rng.range(-6, 6);
  const gain = rng.range(0.75, 1.25);
  const offsets = Array.from({ length: KWS_F }, () => 0.3 * rng.normal());
  for (let t = 0; t < KWS_T; t++) {
    const ts = t - shift;
    for (let f = 0; f < KWS_F; f++) {
      let v = 0;
      for (const b of p.blobs) v += b.a * Math.exp(-0.5 * (((ts - b.t) / b.st) ** 2 + ((f - b.f) / b.sf) ** 2));
      if (f === p.band.f && ts >= p.band.t0 && ts <= p.band.t1) v += p.band.a;
      out[t * KWS_F + f] = gain * v + offsets[f] + 0.4 * rng.normal();
    }
  }
}

// ---- synthetic-cifar ----------------------------------------------------------------------

interface CifarProto {
  freq: number;
  angle: number;
  colourA: number[];
  colourB: number[];
  blob: { y: number; x: number; r: number; colour: number[] };
}

const IMG = 32;

function cifarPrototypes(rng: Rng): CifarProto[] {
  const colour = () => [rng.range(0.1, 0.9), rng.range(0.1, 0.9), rng.range(0.1, 0.9)];
  return Array.from({ length: 10 }, (_, k) => ({
    // frequencies and angles spread over the classes, with a seeded perturbation
    freq: 0.25 + 0.12 * (k % 5) + rng.range(-0.03, 0.03),
    angle: Math.PI * (Math.floor(k / 5) * 0.5 + 0.2 * (k % 5)) + rng.range(-0.1, 0.1),
    colourA: colour(),
    colourB: colour(),
    blob: { y: rng.range(8, 24), x: rng.range(8, 24), r: rng.range(4, 8), colour: colour() },
  }));
}

function cifarSample(protoU: unknown, rng: Rng, out: Float32Array): void {
  const p = protoU as CifarProto;
  const phase = rng.range(0, 2 * Math.PI);
  const dy = rng.range(-4, 4);
  const dx = rng.range(-4, 4);
  const gain = [0, 1, 2].map(() => rng.range(0.85, 1.15));
  const offset = [0, 1, 2].map(() => rng.range(-0.08, 0.08));
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  for (let y = 0; y < IMG; y++) {
    for (let x = 0; x < IMG; x++) {
      const g = 0.5 + 0.5 * Math.sin(p.freq * (c * x + s * y) + phase);
      const d2 = ((y - p.blob.y - dy) ** 2 + (x - p.blob.x - dx) ** 2) / (p.blob.r * p.blob.r);
      const w = Math.exp(-d2 * 1.5);
      for (let ch = 0; ch < 3; ch++) {
        const tex = g * p.colourA[ch] + (1 - g) * p.colourB[ch];
        const v = (1 - w) * tex + w * p.blob.colour[ch];
        const jittered = gain[ch] * v + offset[ch] + 0.05 * rng.normal();
        out[(ch * IMG + y) * IMG + x] = Math.min(1, Math.max(0, jittered));
      }
    }
  }
}

/** The task table: one entry per zoo model trained on synthetic data. */
const TASKS: Record<string, TaskDef> = {
  'kws-dscnn': {
    task: 'synthetic-kws',
    classes: 12,
    sampleShape: [1, KWS_T, KWS_F],
    seed: 5005,
    prototypes: kwsPrototypes,
    sample: kwsSample,
  },
  'cifar-resnet8': {
    task: 'synthetic-cifar',
    classes: 10,
    sampleShape: [3, IMG, IMG],
    seed: 6006,
    prototypes: cifarPrototypes,
    sample: cifarSample,
  },
};

export const SYNTHETIC_TASK_MODELS = Object.keys(TASKS);

/**
 * `count` labelled samples of the model's synthetic task. Labels are drawn uniformly from the
 * split's seeded stream; the same (name, split, count) always gives the same bytes, and a longer
 * request extends a shorter one (sample i does not depend on count).
 */
export function syntheticTask(name: string, split: TaskSplit, count: number): SyntheticSet {
  const def = TASKS[name];
  if (!def) throw new Error(`no synthetic task for ${name}; known: ${SYNTHETIC_TASK_MODELS.join(', ')}`);
  const protos = def.prototypes(new Rng(def.seed));
  const rng = new Rng(def.seed * 1000 + SPLIT_OFFSET[split]);
  const size = def.sampleShape[0] * def.sampleShape[1] * def.sampleShape[2];
  const data = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = rng.int(def.classes);
    labels[i] = label;
    def.sample(protos[label], rng, data.subarray(i * size, (i + 1) * size));
  }
  return { data, labels, count, sampleShape: [...def.sampleShape], classes: def.classes, task: def.task };
}
