/**
 * The response mark's keyed decision, computed on the host exactly as the board does (firmware-tools/core/
 * response_mark.c, whose header documents the scheme): which int8 inputs a board marks, and the keyed class it then
 * answers. The owner derives each board's mark key from the master key and the board's uid; the key never leaves this
 * process (no log, no file).
 */
import { createHmac } from 'crypto';
import { deriveDeviceKey, deriveResponseMarkKey } from '../keys/derive';
import { RATE_ONE, ResponseMarkParams } from '../package/response-mark';

/** One board's mark key: HKDF(device key(master, uid), empty salt, "edgelock response mark key v1"). */
export function responseMarkKey(master: Uint8Array, uid: Uint8Array): Buffer {
  const deviceKey = deriveDeviceKey(master, uid);
  try {
    return deriveResponseMarkKey(deviceKey);
  } finally {
    deviceKey.fill(0);
  }
}

/** The coarsened input the decision hashes: the header "ELM1" | u32 n | u16 g | u8 levels, then one level per run. */
export function coarseInput(x: Int8Array, p: Pick<ResponseMarkParams, 'groups' | 'levels'>): Buffer {
  const n = x.length;
  const g = Math.min(p.groups, n);
  const out = Buffer.alloc(11 + g);
  out.write('ELM1', 0, 'latin1');
  out.writeUInt32LE(n, 4);
  out.writeUInt16LE(g, 8);
  out[10] = p.levels;
  for (let j = 0; j < g; j++) {
    const from = Math.floor((j * n) / g);
    const to = Math.floor(((j + 1) * n) / g);
    let sum = 0;
    for (let i = from; i < to; i++) sum += x[i] + 128;
    out[11 + j] = Math.floor((sum * p.levels) / (256 * (to - from)));
  }
  return out;
}

export interface MarkDecision {
  marked: boolean;
  /**
   * 1..choices: the keyed class is the offset-th class after the arg-max, counting cyclically upwards and, when the
   * scheme skips it, passing over the runner-up (keyedClass)
   */
  offset: number;
}

/**
 * The classes a keyed class is drawn from: every class but the arg-max, and in scheme 2 (skipRunnerUp) not the
 * runner-up either — a model trained without the key that disagrees with the base model mostly answers the runner-up,
 * so leaving it out of the draw lets the verifier leave those answers out of the count.
 */
export function keyedChoices(classes: number, skipRunnerUp = false): number {
  return classes - (skipRunnerUp ? 2 : 1);
}

/** The decision on a coarsened input (coarseInput): marked at rate ratePpm / 1e6, and the keyed offset. */
export function decideCoarse(
  key: Uint8Array,
  ratePpm: number,
  coarse: Uint8Array,
  classes: number,
  skipRunnerUp = false,
): MarkDecision {
  const d = createHmac('sha256', key).update(coarse).digest();
  return decisionOf(d.readUInt32LE(0), d.readUInt32LE(4), ratePpm, keyedChoices(classes, skipRunnerUp));
}

/**
 * The decision from the HMAC digest's first two words (little-endian): marked iff word0 / 2^32 < ratePpm / 10^6, and
 * the offset word1 mod choices, plus one.
 */
export function decisionOf(word0: number, word1: number, ratePpm: number, choices: number): MarkDecision {
  // exact in doubles: both sides are integers below 2^32 * 10^6 < 2^53 (BigInt cost 12% of a 1,000-board check)
  const marked = word0 * RATE_ONE < ratePpm * 2 ** 32;
  return { marked: marked && choices >= 1, offset: choices >= 1 ? 1 + (word1 % choices) : 0 };
}

export function decide(
  key: Uint8Array,
  p: ResponseMarkParams,
  x: Int8Array,
  classes: number,
  skipRunnerUp = false,
): MarkDecision {
  return decideCoarse(key, p.ratePpm, coarseInput(x, p), classes, skipRunnerUp);
}

/** The keyed class: `offset` steps up from the arg-max (cyclically), not counting `skip` (the runner-up, or -1). */
export function keyedClass(argmax: number, offset: number, classes: number, skip = -1): number {
  let c = argmax;
  for (let s = 0; s < offset;) {
    c = (c + 1) % classes;
    if (c !== skip) s++;
  }
  return c;
}

/** The inverse of keyedClass: the offset at which `answer` is the keyed class, 0 for the arg-max and `skip`. */
export function offsetOf(answer: number, argmax: number, classes: number, skip = -1): number {
  if (answer === argmax || answer === skip) return 0;
  const steps = (answer - argmax + classes) % classes;
  return skip >= 0 && (skip - argmax + classes) % classes < steps ? steps - 1 : steps;
}

/** Index of the first largest score (the board's and argmaxRows' rule). */
export function firstArgmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Index of the first largest score other than `top`'s (the runner-up; a class tied with the arg-max counts). */
export function runnerUp(scores: ArrayLike<number>, top: number): number {
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (i !== top && (best < 0 || scores[i] > scores[best])) best = i;
  return best;
}

const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The next float32 above v, as the board's f32_step_up: one ulp; the smallest normal from zero and subnormals; the
 * lowest finite value from -inf; +inf and NaN stay.
 */
function float32StepUp(v: number): number {
  if (v > -FLOAT32_MIN_NORMAL && v < FLOAT32_MIN_NORMAL) return FLOAT32_MIN_NORMAL;
  if (v < -FLOAT32_MAX) return -FLOAT32_MAX;
  const b = new Float32Array([v]);
  const u = new Uint32Array(b.buffer);
  if ((u[0] & 0x7f800000) === 0x7f800000) return b[0];
  if (u[0] & 0x80000000) u[0] -= 1;
  else u[0] += 1;
  return b[0];
}

/**
 * What a marking board answers for these scores: the arg-max's and the keyed class's scores swapped when marked, and,
 * when another class then ties the keyed class, the keyed class raised one step (int8 +1, float32 one ulp) or, at
 * the largest value (127, +inf), the tying classes lowered one step — the keyed class is the answer of every marked
 * query (firmware-tools/core/response_mark.c).
 */
export function markedAnswer<T extends ArrayLike<number>>(
  scores: T,
  d: MarkDecision,
  kind: 'int8' | 'float32' = 'int8',
  skipRunnerUp = false,
): number[] {
  const out = Array.from(scores);
  if (!d.marked) return out;
  const top = firstArgmax(scores);
  const k = keyedClass(top, d.offset, scores.length, skipRunnerUp ? runnerUp(scores, top) : -1);
  [out[top], out[k]] = [out[k], out[top]];
  if (!out.some((v, i) => i !== k && v === out[k])) return out;
  if (kind === 'int8') {
    if (out[k] < 127) out[k]++;
    else out.forEach((v, i) => i !== k && v === 127 && (out[i] = 126));
  } else {
    const up = float32StepUp(out[k]);
    if (up > out[k]) out[k] = up;
    else {
      const at = out[k];
      out.forEach((v, i) => i !== k && v === at && (out[i] = FLOAT32_MAX));
    }
  }
  return out;
}

/** A board's answer to one query, as el_mark_apply makes it: the decision (null when the gate kept it out) and the answer. */
export interface AppliedMark {
  decision: MarkDecision | null;
  answer: number[];
}

/**
 * What a board with these parameters answers for the int8 input `x` whose model scores are `scores`: scheme 2's gate
 * first (the margin between the first and the runner-up score, float32, must be below `gate`), then the keyed decision
 * and, when marked, markedAnswer.
 */
export function applyMark(
  key: Uint8Array,
  p: ResponseMarkParams,
  x: Int8Array,
  scores: ArrayLike<number>,
  kind: 'int8' | 'float32' = 'int8',
): AppliedMark {
  if (p.gate && !passesGate(scores, p.gate)) return { decision: null, answer: Array.from(scores) };
  const decision = decide(key, p, x, scores.length, p.skipRunnerUp);
  return { decision, answer: markedAnswer(scores, decision, kind, p.skipRunnerUp) };
}

/** Scheme 2's gate: the answer's top-two margin (float32 subtraction, as the board's) is below `gate`. */
export function passesGate(scores: ArrayLike<number>, gate: number): boolean {
  const top = firstArgmax(scores);
  const second = runnerUp(scores, top);
  return second >= 0 && Math.fround(scores[top] - scores[second]) < gate;
}
