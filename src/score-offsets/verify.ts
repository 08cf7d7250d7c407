/**
 * Does a suspect carry a board's score offsets? (`edgelock score-offsets verify`; docs/watermark.md, "Score offsets")
 * The suspect answers the owner's pool; every candidate board's reading (read.ts) is taken on the same answers with
 * that board's signs, and a board is named when its bound, times the number of candidates, is at most alpha. The pool
 * need not hold the attacker's queries: the offsets are a smooth function of the input, which a copy carries to
 * inputs it never saw.
 */
import { OffsetsShape, ScoreOffsetsParams, offsetsShape } from '../package/score-offsets';
import { baseAnswers } from '../response-mark/base-answers';
import { quantisedPool } from '../response-mark/pool';
import { asProbabilities } from '../response-mark/probabilities';
import { TfliteOracle } from '../tflite/oracle';
import { features } from './features';
import { ScoreOffsetsReading, offsetsMoments, readMoments, readPair } from './read';
import { keyedSigns } from './signs';

export const OFFSETS_ALPHA = 1e-6;
/** log-probabilities below this floor are read at it (a suspect answering probabilities may answer zeros) */
export const LOG_FLOOR = Math.log(1e-12);

export interface OffsetsCandidate {
  uid: string;
  /** the board's score key (scoreOffsetsKey(master, uid)); never printed or stored */
  key: Uint8Array;
}

export interface OffsetsVerdict {
  /** the package's record the boards apply */
  params: OffsetsShape;
  pool: { names: string[]; count: number };
  candidates: (ScoreOffsetsReading & { uid: string; familyP: number })[];
  named: string[];
  /**
   * When no board is named alone: the pair of boards that reads highest together (read.ts readPair), its family p
   * over every pair; `namedTogether` holds the pair when that p is at most alpha (a copy of both boards' answers)
   */
  together?: ScoreOffsetsReading & { uids: [string, string]; familyP: number };
  namedTogether: string[];
  alpha: number;
}

/**
 * A suspect's output row as log-probabilities (softmax of logits, or the probabilities it answers) in float32, as the
 * base model's are (base-answers.ts), floored.
 */
export function logProbabilities(row: ArrayLike<number>): number[] {
  return asProbabilities(row).map((p) => Math.max(LOG_FLOOR, Math.fround(Math.log(p))));
}

/** The owner's side of a reading, computed once for any number of suspects: the pool, its features, the base model's answers. */
export interface OffsetsPool {
  names: string[];
  count: number;
  classes: number;
  /** the pool's samples (ONNX layout, float), count of them, each of sampleShape */
  samples: Float32Array;
  sampleShape: number[];
  features: Float32Array[];
  baseLogProbs: number[][];
}

export async function loadOffsetsPool(
  base: Uint8Array,
  params: ScoreOffsetsParams,
  names: string[],
  limit?: number,
): Promise<OffsetsPool> {
  const q = quantisedPool(base, names, limit);
  const { count: n, classes, size } = q;
  // each input quantised once: its features here, the base model's answer below (worker threads for large pools)
  const inputs = new Int8Array(n * size);
  const features_ = Array.from({ length: n }, (_, i) => {
    const x = q.int8(i);
    inputs.set(x, i * size);
    return features(x, params);
  });
  const oracle = await TfliteOracle.load(base);
  try {
    const answers = await baseAnswers(base, oracle, q.inputShape, inputs, { classes, dequant: q.dequant });
    return {
      names,
      count: n,
      classes,
      samples: q.joined.samples.subarray(0, n * size),
      sampleShape: q.joined.sampleShape,
      features: features_,
      baseLogProbs: Array.from({ length: n }, (_, i) =>
        Array.from(answers.logProbs.subarray(i * classes, (i + 1) * classes), (v) => Math.max(LOG_FLOOR, v)),
      ),
    };
  } finally {
    oracle.dispose();
  }
}

/** Every candidate's reading of a suspect's answers on the pool (count × classes scores), and the best pair's. */
export function readCandidates(
  pool: OffsetsPool,
  params: ScoreOffsetsParams,
  candidates: readonly OffsetsCandidate[],
  scores: Float32Array,
  alpha = OFFSETS_ALPHA,
): OffsetsVerdict {
  const { count: n, classes } = pool;
  const suspect = Array.from({ length: n }, (_, i) =>
    logProbabilities(scores.subarray(i * classes, (i + 1) * classes)),
  );
  const m = params.degrees * params.degrees;
  const a = offsetsMoments(
    n,
    m,
    classes,
    (i) => pool.features[i],
    (i) => suspect[i],
    (i) => pool.baseLogProbs[i],
  );
  const signs = candidates.map((c) => keyedSigns(c.key, m, classes));
  const read = candidates.map((c, k) => {
    const r = readMoments(a, signs[k], n);
    return { uid: c.uid, ...r, familyP: Math.min(1, r.p * candidates.length) };
  });
  const named = read.filter((c) => c.familyP <= alpha).map((c) => c.uid);
  let together: OffsetsVerdict['together'];
  if (named.length === 0 && candidates.length >= 2) {
    const pairs = (candidates.length * (candidates.length - 1)) / 2;
    // the pair of the two highest boards reads highest: Z_pair = (Z_A + Z_B) / sqrt(2)
    const [first, second] = read.map((r, k) => [r.z, k]).sort((x, y) => y[0] - x[0]);
    const r = readPair(a, signs[first[1]], signs[second[1]], n);
    together = {
      uids: [candidates[first[1]].uid, candidates[second[1]].uid],
      ...r,
      familyP: Math.min(1, r.p * pairs),
    };
  }
  return {
    params: offsetsShape(params),
    pool: { names: pool.names, count: n },
    candidates: read,
    named,
    ...(together ? { together } : {}),
    namedTogether: together && together.familyP <= alpha ? together.uids : [],
    alpha,
  };
}
