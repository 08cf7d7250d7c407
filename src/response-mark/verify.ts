/**
 * Verifying a suspect against the response mark (docs/watermark.md, "Response mark"): for each candidate board's mark
 * key, the owner's pool inputs that board would have marked, and how often the suspect (a model file or a board,
 * queried black-box through its arg-max) answers exactly the keyed class there. A copy trained on a marking board's
 * answers repeats the marked answers it saw.
 *
 * The null is exact, with no calibration: the board's keyed offset (keyed class − base arg-max, mod C) is a keyed
 * hash of the input's code, uniform over 1..C−1 and independent of any model trained without the key. Inputs that
 * share a code share the offset, so the test counts codes, not inputs: for a marked code, R = the set of offsets the
 * suspect's answers show on its inputs where it disagrees with the base model ((answer − base) mod C); the code
 * "matches" when the keyed offset is in R, which for a keyless model happens with probability |R|/(C−1)
 * independently of every other code. The matches are then Poisson-binomial, p = P[X ≥ matches] exactly
 * (poissonBinomialTail), times the number of candidates (the chance that any innocent board scores as high); boards
 * with that p ≤ alpha are named. Inputs where the suspect agrees with the base model carry no evidence either way and
 * are not counted, and neither are the least confident marked inputs (dropLeastConfident, default 0.1: those whose
 * margin between the base model's top two scores is below the 10% quantile over a fixed sample of the pool): there a model
 * trained without the key disagrees with the base model most often, while a copy repeats the marks it was trained on
 * wherever they are, so dropping them removes noise, not evidence. The choice uses the base model only, never the
 * suspect's answers, so the null stays exact. On a suspect's scores (MarkStatistic 'scores', the default where it answers
 * them) the statistic has three parts: the weighted lead (weighted-lead.ts), the lead count read as a likelihood ratio
 * weighted by how confidently the suspect raised an eligible class, and the log-ratio (log-ratio.ts) at two floors,
 * which reads on every marked code how much more probability the suspect gives the keyed class than the base model
 * does; the board's p is the smallest of the three times 3. The lead count itself (its trials and matches) is still
 * reported and is what the pair test counts. Public decoy keys no board holds measure the same quantity on the
 * suspect; their p is reported as a check of the null (a suspect whose decoy p is below 1e-3 is not named: something
 * other than the mark explains its answers).
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { ResponseMarkParams } from '../package/response-mark';
import { ClassifierRunner, checkSameTask } from '../watermark/runners';
import { keyedChoices, offsetOf } from './decision';
import { MarkPool } from './pool';
import { asProbabilities } from './probabilities';
import { BoardJob, Selection, decideBoards } from './decide-boards';
import { LOG_RATIO_FLOORS, LatticeSum, MarkedReading, RatioPart, latticeSum, ratioCodes, ratioPart } from './log-ratio';
import { weightedLeadCodes } from './weighted-lead';

export const VERIFY_DEFAULTS = {
  decoys: 4,
  alpha: 1e-6,
  decoyAlpha: 1e-3,
  dropLeastConfident: 0.1,
  /** for a suspect that answers its scores; one that answers labels only is read on its arg-max */
  statistic: 'scores',
  scoreThreshold: 0.01,
} as const;

/**
 * What is read from the suspect: its arg-max (any suspect), or its scores (a model file, a board through RUN, any
 * deployment that answers probabilities). On scores, a marked code is a trial when the suspect gives at least
 * `scoreThreshold` probability to one of the classes a keyed class is drawn from, and matches when the keyed class is
 * among the most probable of them: a copy that raised the keyed class without flipping its answer counts too. The
 * trial and the tied set use only the suspect's and the base model's scores, never the key, so the null stays exact.
 * Scores are the default where the suspect answers them: on the measured hard-label LeNet copies they name 5 of 6
 * where the arg-max names 1 (docs/watermark.md, "Scheme 2"). With the scores come the log-ratio parts, which name
 * copies trained on 60,000 queries that neither count names (docs/watermark.md, "Copies trained on many queries").
 */
export type MarkStatistic = 'arg-max' | 'scores';

/** A suspect that also answers its output scores (logits or probabilities). */
export interface ScoringRunner extends ClassifierRunner {
  scores(x: Float32Array, count: number): Promise<Float32Array>;
}

export interface MarkCandidate {
  uid: string;
  /** the board's mark key (responseMarkKey(master, uid)); never printed or stored */
  key: Uint8Array;
  /** the board's rate when it differs from params.ratePpm (a calibrated package, calibrate.ts) */
  ratePpm?: number;
}

export interface CodeCount {
  /** pool inputs the key marks */
  marked: number;
  /** of those, the suspect's answers that differ from the base model's */
  disagreements: number;
  /** distinct marked codes with at least one disagreement (the trials) */
  trials: number;
  /** trials whose keyed offset the suspect showed (its answer was the keyed class) */
  matches: number;
  /** Σ |R|/(C−1) over the trials: the matches a keyless model expects */
  expected: number;
  /** P[X ≥ matches] under the null (Poisson-binomial) */
  p: number;
}

export interface MarkScore extends Omit<CodeCount, 'marked'> {
  uid: string;
  /** pool inputs the key marks (not known when the check was screened: MarkVerdict.screened) */
  marked?: number;
  /** the marked inputs counted (the confident ones; `marked` is all the key marks; not known when screened) */
  counted?: number;
  ratePpm: number;
  /**
   * statistic 'scores': the lead count's own p (trials, matches and expected above are the lead count's; not a part),
   * and the parts: the weighted lead (weighted-lead.ts) and the log-ratio at each floor (log-ratio.ts); p is then the
   * smallest of the three times 3 (PARTS)
   */
  leadP?: number;
  weightedLead?: LatticeSum;
  logRatio?: RatioPart[];
  /** p × candidates (capped at 1) */
  familyP: number;
}

/**
 * Two boards' marks tested together, for a copy trained on answers mixed from both (collusion, or a thief who spread
 * the queries): the trials of both keys in one Poisson-binomial (their offsets are independent hashes, so the null is
 * exact for the pair as well). A small joint p says that at least one of the two boards answered the copy's queries,
 * not which one.
 */
export interface PairScore {
  uids: [string, string];
  trials: number;
  matches: number;
  expected: number;
  p: number;
  /** p × the number of pairs among all candidates (capped at 1) */
  familyP: number;
}

export interface MarkVerdict {
  pool: { names: string[]; count: number };
  params: ResponseMarkParams;
  null: {
    /** 1/(classes - 1): the chance a keyless model's wrong answer on a code is the keyed one */
    uniform: number;
    decoys: number;
    /** the suspect on the decoy keys' marked inputs, all decoys together */
    trials: number;
    matches: number;
    expected: number;
    p: number;
    /** statistic 'scores': the lead count's p and the parts over all decoys (p is the combined one) */
    leadP?: number;
    weightedLead?: LatticeSum;
    logRatio?: RatioPart[];
    /** decoy p > decoyAlpha: the null holds for this suspect */
    holds: boolean;
  };
  candidates: MarkScore[];
  /** the fraction of least confident marked inputs not counted */
  dropLeastConfident: number;
  statistic: MarkStatistic;
  /** with statistic 'scores': the probability an eligible class needs for the code to be a trial */
  scoreThreshold?: number;
  /** the candidates with familyP ≤ alpha, best first */
  named: string[];
  /** the best pair of candidates tested together (PairScore), or null with fewer than 2 candidates */
  together: PairScore | null;
  /** when no board is named alone: the best pair if its familyP ≤ alpha (at least one of them is the source) */
  namedTogether: string[];
  alpha: number;
  /** suspect queries made */
  queries: number;
  /**
   * the suspect was asked every confident pool input and the boards decided only where it leaves the base model's
   * answer (with many candidates: the same counts, a fraction of the work); per-board marked counts are then unknown
   */
  screened: boolean;
}

/** Public keys no board holds (nobody can derive a device key that equals them): SHA-256 of a label and an index. */
export function decoyKey(i: number): Buffer {
  return createHash('sha256').update(`edgelock response mark decoy ${i}`).digest();
}

/**
 * Each pool's selections, by a digest of the key and the parameters that decide them: checking many suspects against
 * the same candidates (a factory's boards) decides each board's marks on the pool once. The digest, never the key,
 * is held; it dies with the pool.
 */
const selectionCache = new WeakMap<MarkPool, Map<string, Selection>>();

function selectionIds(jobs: readonly BoardJob[], params: ResponseMarkParams, only?: readonly number[]): string[] {
  const subset = only ? createHash('sha256').update(Int32Array.from(only)).digest('hex') : 'all';
  return jobs.map((j) =>
    createHash('sha256')
      .update(j.key)
      .update(`|${j.ratePpm}|${params.gate ?? 0}|${params.skipRunnerUp ? 1 : 0}|${subset}`)
      .digest('hex'),
  );
}

/** Whether every job's marks on the whole pool were decided already in this process (a batch of suspects). */
function allDecided(pool: MarkPool, jobs: readonly BoardJob[], params: ResponseMarkParams): boolean {
  const cache = selectionCache.get(pool);
  return !!cache && selectionIds(jobs, params).every((id) => cache.has(id));
}

/**
 * The pool inputs each board would mark (those under its gate, scheme 2, whose code its key marks), in job order:
 * from the cache, or decided (decide-boards.ts, on worker threads when there are many boards).
 */
async function selectAll(
  pool: MarkPool,
  jobs: readonly BoardJob[],
  params: ResponseMarkParams,
  onDecided?: (done: number, total: number) => void,
  /** decide only these pool inputs (a subset of the gated ones); default every gated input */
  only?: readonly number[],
): Promise<Selection[]> {
  let cache = selectionCache.get(pool);
  if (!cache) selectionCache.set(pool, (cache = new Map()));
  const ids = selectionIds(jobs, params, only);
  const missing = ids.map((id, i) => (cache!.has(id) ? -1 : i)).filter((i) => i >= 0);
  const cached = jobs.length - missing.length;
  for (let i = 0; i < cached; i++) onDecided?.(i + 1, jobs.length);
  const made = await decideBoards(
    {
      codes: pool.coarse,
      gated: only ?? gatedInputs(pool, params),
      classes: pool.classes,
      skipRunnerUp: !!params.skipRunnerUp,
    },
    missing.map((i) => jobs[i]),
    { onDecided: (done) => onDecided?.(cached + done, jobs.length) },
  );
  missing.forEach((i, k) => cache!.set(ids[i], made[k]));
  return ids.map((id) => cache!.get(id)!);
}

const gateCache = new WeakMap<MarkPool, Map<number, number[]>>();

/** The pool inputs a board with these parameters may mark: all, or those whose base margin is below the gate. */
export function gatedInputs(pool: MarkPool, params: Pick<ResponseMarkParams, 'gate'>): number[] {
  const all = Array.from({ length: pool.count }, (_, i) => i);
  if (!params.gate) return all;
  let byGate = gateCache.get(pool);
  if (!byGate) gateCache.set(pool, (byGate = new Map()));
  let got = byGate.get(params.gate);
  if (!got) {
    const margins = pool.baseMargin(all);
    got = all.filter((i) => margins[i] < params.gate!);
    byGate.set(params.gate, got);
  }
  return got;
}

/** P[X ≥ k] for X a sum of independent Bernoulli(p_i) (exact, by convolution). */
export function poissonBinomialTail(k: number, ps: readonly number[]): number {
  if (k <= 0) return 1;
  if (k > ps.length) return 0;
  let dist = new Float64Array(ps.length + 1);
  dist[0] = 1;
  ps.forEach((p, n) => {
    const next = new Float64Array(ps.length + 1);
    for (let j = 0; j <= n; j++) {
      next[j] += dist[j] * (1 - p);
      next[j + 1] += dist[j] * p;
    }
    dist = next;
  });
  let tail = 0;
  for (let j = k; j <= ps.length; j++) tail += dist[j];
  return Math.min(1, tail);
}

/** A coarse code as a map key (its bytes, one character each). */
function codeKey(code: Uint8Array): string {
  return Buffer.from(code.buffer, code.byteOffset, code.byteLength).toString('latin1');
}

/**
 * The count over a key's marked codes, from each code's keyed offset and the offsets the suspect showed there: a code
 * matches when its keyed offset is among them, which without the key happens with probability |shown| / choices.
 */
function countFromCodes(
  byCode: ReadonlyMap<string, { offset: number; shown: ReadonlySet<number> }>,
  marked: number,
  disagreements: number,
  choices: number,
): CodeCount & { ps: number[] } {
  const ps: number[] = [];
  let matches = 0;
  for (const e of byCode.values()) {
    ps.push(e.shown.size / choices);
    if (e.shown.has(e.offset)) matches++;
  }
  return {
    marked,
    disagreements,
    trials: ps.length,
    matches,
    expected: ps.reduce((t, p) => t + p, 0),
    p: poissonBinomialTail(matches, ps),
    ps,
  };
}

/**
 * The suspect's evidence on one key's marked inputs: trials are marked codes where the suspect disagrees with the
 * base model somewhere; a trial matches when one of its answers is the keyed class (module comment).
 */
export function countCodes(
  sel: Selection,
  codes: readonly Uint8Array[],
  answers: ReadonlyMap<number, number>,
  base: ReadonlyMap<number, number>,
  classes: number,
  /** scheme 2: the base model's runner-up per input; an answer equal to it is no trial (it is never keyed) */
  second?: ReadonlyMap<number, number>,
): CodeCount & { ps: number[] } {
  const byCode = new Map<string, { offset: number; shown: Set<number> }>();
  const choices = keyedChoices(classes, second !== undefined);
  let disagreements = 0;
  sel.indices.forEach((i, j) => {
    const a = answers.get(i)!;
    const b = base.get(i)!;
    if (a === b) return;
    disagreements++;
    const skip = second ? second.get(i)! : -1;
    if (a === skip) return;
    const code = codeKey(codes[i]);
    const e = byCode.get(code) ?? { offset: sel.offsets[j], shown: new Set<number>() };
    e.shown.add(offsetOf(a, b, classes, skip));
    byCode.set(code, e);
  });
  return countFromCodes(byCode, sel.indices.length, disagreements, choices);
}

/**
 * The suspect's evidence on one key's marked inputs, read from its probabilities (MarkStatistic 'scores'): trials are
 * marked codes where some eligible class (not the base arg-max; in scheme 2 not the runner-up either) has at least
 * `threshold`; R = the offsets of the most probable eligible classes (ties included) over the code's inputs; the code
 * matches when the keyed offset is in R.
 */
export function countCodesByScores(
  sel: Selection,
  codes: readonly Uint8Array[],
  probs: ReadonlyMap<number, number[]>,
  base: ReadonlyMap<number, number>,
  classes: number,
  threshold: number,
  second?: ReadonlyMap<number, number>,
): CodeCount & { ps: number[] } {
  const byCode = new Map<string, { offset: number; shown: Set<number> }>();
  const choices = keyedChoices(classes, second !== undefined);
  let considered = 0;
  sel.indices.forEach((i, j) => {
    const pr = probs.get(i)!;
    const b = base.get(i)!;
    const skip = second ? second.get(i)! : -1;
    let best = -Infinity;
    for (let c = 0; c < classes; c++) if (c !== b && c !== skip && pr[c] > best) best = pr[c];
    if (!(best >= threshold)) return;
    considered++;
    const code = codeKey(codes[i]);
    const e = byCode.get(code) ?? { offset: sel.offsets[j], shown: new Set<number>() };
    for (let c = 0; c < classes; c++)
      if (c !== b && c !== skip && pr[c] === best) e.shown.add(offsetOf(c, b, classes, skip));
    byCode.set(code, e);
  });
  return countFromCodes(byCode, sel.indices.length, considered, choices);
}

/** The parts of the scores statistic: the weighted lead and one log-ratio per floor (their smallest p is multiplied by it). */
export const PARTS = 1 + LOG_RATIO_FLOORS.length;

/** Pairs are scored among this many candidates with the smallest single p (the family counts every pair). */
const PAIR_POOL = 16;

/**
 * The pair of candidates whose marks together the suspect shows most strongly. Only pairs among the PAIR_POOL best
 * single candidates are scored, while the family p counts all n(n−1)/2 pairs: a pair outside them can only be missed,
 * never make a p smaller than it is.
 */
function bestPair(
  candidates: readonly MarkCandidate[],
  counts: readonly (CodeCount & { ps: number[] })[],
): PairScore | null {
  const n = candidates.length;
  if (n < 2) return null;
  const pairs = (n * (n - 1)) / 2;
  const top = counts
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.p - b.c.p)
    .slice(0, PAIR_POOL);
  let best: PairScore | null = null;
  for (let a = 0; a < top.length; a++)
    for (let b = a + 1; b < top.length; b++) {
      const [x, y] = [top[a], top[b]];
      const matches = x.c.matches + y.c.matches;
      const p = poissonBinomialTail(matches, [...x.c.ps, ...y.c.ps]);
      if (best && p >= best.p) continue;
      best = {
        uids: [candidates[x.i].uid, candidates[y.i].uid],
        trials: x.c.trials + y.c.trials,
        matches,
        expected: x.c.expected + y.c.expected,
        p,
        familyP: Math.min(1, p * pairs),
      };
    }
  return best;
}

/**
 * A check is screened when it has at least SCREEN_BOARDS candidates and their and the decoys' marked inputs together
 * cover at least SCREEN_UNION of the pool (expected, from their rates): then asking the suspect the whole confident
 * pool costs at most about twice the queries, and deciding the boards only where a trial is possible saves most of the
 * HMACs (docs/watermark.md, "Many candidate boards"). With few boards deciding them everywhere is cheap, and the
 * per-board marked counts are reported; boards already decided on the whole pool in this process (a batch of
 * suspects checked against the same boards) are not screened either.
 */
export const SCREEN_UNION = 0.5;
export const SCREEN_BOARDS = 32;

/** The expected share of the pool that at least one of these keys marks (independent keyed hashes). */
export function markedUnion(jobs: readonly { ratePpm: number }[]): number {
  return 1 - jobs.reduce((q, j) => q * (1 - j.ratePpm / 1e6), 1);
}

/** The drop threshold is the base-margin quantile over every DROP_SAMPLE-th gated input of the pool. */
export const DROP_SAMPLE = 8;

const dropCache = new WeakMap<MarkPool, Map<string, number>>();

/**
 * The base-model margin below which a marked input is left out: the `drop` quantile over a fixed sample of the inputs
 * the boards may mark. It depends on the base model and the pool only — not on the key, the suspect or which boards
 * are candidates — so the null stays exact and a board's p does not change with the other candidates.
 */
export async function dropThreshold(
  pool: MarkPool,
  params: Pick<ResponseMarkParams, 'gate'>,
  drop: number,
): Promise<number> {
  if (drop === 0) return -Infinity;
  let byParams = dropCache.get(pool);
  if (!byParams) dropCache.set(pool, (byParams = new Map()));
  const id = `${params.gate ?? 0}|${drop}`;
  let t = byParams.get(id);
  if (t === undefined) {
    const sample = gatedInputs(pool, params).filter((_, k) => k % DROP_SAMPLE === 0);
    await pool.prepareBase?.(sample);
    const m = pool.baseMargin(sample).sort((a, b) => a - b);
    t = m[Math.floor(drop * m.length)] ?? -Infinity;
    byParams.set(id, t);
  }
  return t;
}

export async function verifyResponseMark(o: {
  pool: MarkPool;
  params: ResponseMarkParams;
  candidates: MarkCandidate[];
  suspect: ClassifierRunner;
  decoys?: number;
  alpha?: number;
  /** the fraction of marked inputs with the smallest base-model margin left out (0: count all) */
  dropLeastConfident?: number;
  statistic?: MarkStatistic;
  scoreThreshold?: number;
  /**
   * screen the pool through the suspect first (default: SCREEN_BOARDS or more candidates covering ≥ SCREEN_UNION of
   * it, unless this process decided all of them on the whole pool already)
   */
  screen?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** after each candidate board's marks on the pool are decided (the long part with many boards) */
  onDecided?: (done: number, total: number) => void;
}): Promise<MarkVerdict> {
  const { pool, params, suspect } = o;
  const scoring = (suspect as Partial<ScoringRunner>).scores;
  const statistic = o.statistic ?? (typeof scoring === 'function' ? VERIFY_DEFAULTS.statistic : 'arg-max');
  const scoreThreshold = o.scoreThreshold ?? VERIFY_DEFAULTS.scoreThreshold;
  if (statistic === 'scores' && typeof scoring !== 'function')
    throw new EdgelockError('E_USAGE', 'the scores statistic needs a suspect that answers its scores');
  if (statistic === 'scores' && !(scoreThreshold >= 0 && scoreThreshold <= 1))
    throw new EdgelockError('E_USAGE', `the score threshold must be in [0, 1], got ${scoreThreshold}`);
  const decoys = o.decoys ?? VERIFY_DEFAULTS.decoys;
  const alpha = o.alpha ?? VERIFY_DEFAULTS.alpha;
  if (o.candidates.length === 0) throw new EdgelockError('E_USAGE', 'response mark: no candidate board to check');
  checkSameTask(suspect, pool.classes, pool.sampleShape);
  const size = pool.sampleShape.reduce((a, b) => a * b, 1);
  const rateOf = (c: MarkCandidate) => c.ratePpm ?? params.ratePpm;
  const drop = o.dropLeastConfident ?? VERIFY_DEFAULTS.dropLeastConfident;
  if (!(drop >= 0 && drop < 1))
    throw new EdgelockError(
      'E_USAGE',
      `the fraction of least confident inputs left out must be in [0, 1), got ${drop}`,
    );
  const jobs = o.candidates.map((c) => ({ key: c.key, ratePpm: rateOf(c) }));
  const decoyJobs = Array.from({ length: decoys }, (_, i) => ({ key: decoyKey(i), ratePpm: params.ratePpm }));
  if (o.screen && statistic === 'scores')
    throw new EdgelockError(
      'E_USAGE',
      "a check on the suspect's scores reads every marked code (the log-ratio) and cannot be screened",
    );
  const screen =
    o.screen ??
    (statistic === 'arg-max' &&
      jobs.length >= SCREEN_BOARDS &&
      markedUnion([...jobs, ...decoyJobs]) >= SCREEN_UNION &&
      !allDecided(pool, [...jobs, ...decoyJobs], params));
  // a screened check needs the base answers on every gated input: one pass, before the threshold's sample asks for some
  if (screen) await pool.prepareBase?.(gatedInputs(pool, params));
  const threshold = await dropThreshold(pool, params, drop);
  const answers = new Map<number, number>();
  const probs = new Map<number, number[]>();
  /** statistic 'scores': the natural logs of `probs`, for the log-ratio */
  const logProbs = new Map<number, number[]>();
  const ask = async (wanted: readonly number[]) => {
    const step = 256;
    for (let s = 0; s < wanted.length; s += step) {
      const n = Math.min(step, wanted.length - s);
      const chunk = new Float32Array(n * size);
      for (let j = 0; j < n; j++)
        chunk.set(pool.samples.subarray(wanted[s + j] * size, (wanted[s + j] + 1) * size), j * size);
      if (statistic === 'scores') {
        const got = await scoring!.call(suspect, chunk, n);
        for (let j = 0; j < n; j++) {
          const pr = asProbabilities(got.subarray(j * pool.classes, (j + 1) * pool.classes));
          probs.set(wanted[s + j], pr);
          logProbs.set(wanted[s + j], pr.map(Math.log));
        }
      } else {
        const got = await suspect.predict(chunk, n);
        for (let j = 0; j < n; j++) answers.set(wanted[s + j], got[j]);
      }
      o.onProgress?.(s + n, wanted.length);
    }
  };
  const confidentOf = async (indices: readonly number[]) => {
    await pool.prepareBase?.(indices);
    if (threshold === -Infinity) return [...indices];
    const m = pool.baseMargin(indices);
    return indices.filter((_, j) => m[j] >= threshold);
  };
  const base = new Map<number, number>();
  const second = params.skipRunnerUp ? new Map<number, number>() : undefined;
  const baseLog = new Map<number, Float32Array>();
  const learnBase = (indices: readonly number[]) => {
    const a = pool.baseArgmax(indices);
    indices.forEach((i, j) => base.set(i, a[j]));
    if (statistic === 'scores') {
      const l = pool.baseLogProbs(indices);
      indices.forEach((i, j) => baseLog.set(i, l[j]));
    }
    if (second) {
      const ru = pool.baseRunnerUp(indices);
      indices.forEach((i, j) => second.set(i, ru[j]));
    }
  };
  let sel: Selection[];
  let dec: Selection[];
  let queried: number;
  if (screen) {
    // many boards: their marked inputs cover most of the pool, so ask the suspect every confident input once and
    // decide the boards only where a trial is possible (the suspect leaves the base model's answer); the counts are
    // the same as deciding everywhere, since an input without a possible trial counts for no key
    const confident = await confidentOf(gatedInputs(pool, params));
    await ask(confident);
    learnBase(confident);
    const possible = confident.filter((i) => possibleTrial(i));
    sel = await selectAll(pool, jobs, params, o.onDecided, possible);
    dec = await selectAll(pool, decoyJobs, params, undefined, possible);
    queried = confident.length;
  } else {
    sel = await selectAll(pool, jobs, params, o.onDecided);
    dec = await selectAll(pool, decoyJobs, params);
    const wanted = await confidentOf([...new Set([...sel, ...dec].flatMap((x) => x.indices))].sort((a, b) => a - b));
    await ask(wanted);
    learnBase(wanted);
    queried = wanted.length;
  }
  function possibleTrial(i: number): boolean {
    const b = base.get(i)!;
    const skip = second ? second.get(i)! : -1;
    if (statistic !== 'scores') return answers.get(i) !== b;
    const pr = probs.get(i)!;
    for (let c = 0; c < pool.classes; c++) if (c !== b && c !== skip && pr[c] >= scoreThreshold) return true;
    return false;
  }
  const asked = statistic === 'scores' ? probs : answers;
  const keep = (x: Selection): Selection => {
    const at = x.indices.map((i, j) => (asked.has(i) ? j : -1)).filter((j) => j >= 0);
    return { indices: at.map((j) => x.indices[j]), offsets: at.map((j) => x.offsets[j]) };
  };
  const score = (x: Selection) =>
    statistic === 'scores'
      ? countCodesByScores(keep(x), pool.coarse, probs, base, pool.classes, scoreThreshold, second)
      : countCodes(keep(x), pool.coarse, answers, base, pool.classes, second);
  // the parts on several keys' marked inputs (independent keys: their codes add up)
  const reading: MarkedReading = {
    classes: pool.classes,
    code: (i) => codeKey(pool.coarse[i]),
    suspectLog: (i) => logProbs.get(i)!,
    baseLog: (i) => baseLog.get(i)!,
    top: (i) => base.get(i)!,
    ...(second ? { second: (i: number) => second.get(i)! } : {}),
  };
  const partsOf = (xs: readonly Selection[]): { weightedLead: LatticeSum; logRatio: RatioPart[] } | undefined => {
    if (statistic !== 'scores') return undefined;
    const inputs = xs.map((x) => {
      const k = keep(x);
      return k.indices.map((index, j) => ({ index, offset: k.offsets[j] }));
    });
    return {
      weightedLead: latticeSum(inputs.flatMap((xi) => weightedLeadCodes(xi, reading))),
      logRatio: LOG_RATIO_FLOORS.map((floor) =>
        ratioPart(
          floor,
          inputs.flatMap((xi) => ratioCodes(xi, { ...reading, floor })),
        ),
      ),
    };
  };
  /** on the scores: the smallest of the parts' p-values times PARTS (Bonferroni); on the arg-max the count's p */
  const combined = (leadP: number, parts: ReturnType<typeof partsOf>) =>
    parts ? Math.min(1, PARTS * Math.min(parts.weightedLead.p, ...parts.logRatio.map((r) => r.p))) : leadP;
  const decoyScores = dec.map(score);
  const decoyTrials = decoyScores.reduce((n, d) => n + d.trials, 0);
  const decoyMatches = decoyScores.reduce((n, d) => n + d.matches, 0);
  // different keys' offsets are independent: all decoys' trials together are one Poisson-binomial
  const decoyLeadP = poissonBinomialTail(
    decoyMatches,
    decoyScores.flatMap((d) => d.ps),
  );
  const decoyParts = partsOf(dec);
  const decoyP = combined(decoyLeadP, decoyParts);
  const holds = decoyP > VERIFY_DEFAULTS.decoyAlpha;
  const counts = sel.map(score);
  const candidates = o.candidates.map((c, i): MarkScore => {
    const m = counts[i];
    const parts = partsOf([sel[i]]);
    const p = combined(m.p, parts);
    return {
      uid: c.uid,
      ratePpm: rateOf(c),
      ...(screen ? {} : { marked: sel[i].indices.length, counted: m.marked }),
      disagreements: m.disagreements,
      trials: m.trials,
      matches: m.matches,
      expected: m.expected,
      p,
      ...(parts ? { leadP: m.p, ...parts } : {}),
      familyP: Math.min(1, p * o.candidates.length),
    };
  });
  const named = candidates
    .filter((c) => holds && c.familyP <= alpha)
    .sort((a, b) => a.familyP - b.familyP)
    .map((c) => c.uid);
  const together = bestPair(o.candidates, counts);
  const namedTogether = named.length === 0 && holds && together && together.familyP <= alpha ? [...together.uids] : [];
  return {
    pool: { names: pool.names, count: pool.count },
    params,
    null: {
      uniform: 1 / keyedChoices(pool.classes, params.skipRunnerUp),
      decoys,
      trials: decoyTrials,
      matches: decoyMatches,
      expected: decoyScores.reduce((t, d) => t + d.expected, 0),
      p: decoyP,
      ...(decoyParts ? { leadP: decoyLeadP, ...decoyParts } : {}),
      holds,
    },
    candidates,
    named,
    together,
    namedTogether,
    alpha,
    dropLeastConfident: drop,
    statistic,
    ...(statistic === 'scores' ? { scoreThreshold } : {}),
    queries: queried,
    screened: screen,
  };
}
