/**
 * How well a model's scores explain a leak's decisions: the log-likelihood of the decisions under a logistic choice
 * model. On each probe the leak answered class a; the model's margin for it is m = score(a) − max over the other
 * classes, and the leak is taken to answer a with probability σ(m / T), one temperature T for every probe, fitted
 * (maximum likelihood over a log-spaced grid). A model whose margins agree in sign and size with what the leak
 * answered scores higher; a model tied on every probe scores count·ln ½ whatever the leak answered.
 *
 * Counting agreements alone (the mean squared distance between one-hot decisions, as reference.ts compares scores)
 * throws away how far each probe is from the model's boundary; near the boundaries, where the probes of a second round
 * are (leak-reading.ts), almost every decision is a near tie and the margins are what tells two references apart.
 * It reads the leak's answers and the model's scores only, never a candidate's code.
 */
import { argmax } from './victims';

/** The temperatures tried: from TEMPERATURE_LOW to TEMPERATURE_HIGH times the largest margin, a factor of TEMPERATURE_RATIO apart. */
export const TEMPERATURE_LOW = 1e-4;
export const TEMPERATURE_HIGH = 10;
export const TEMPERATURE_RATIO = 1.1;

export interface Decisions {
  /** one-hot answers, count × classes */
  answers: Float32Array;
  count: number;
}

/** The margins of the answered classes in `scores` (same probes and layout as `d.answers`). */
export function answerMargins(scores: Float32Array, d: Decisions): Float64Array {
  const classes = d.answers.length / d.count;
  const m = new Float64Array(d.count);
  for (let s = 0; s < d.count; s++) {
    const at = s * classes;
    const a = argmax(d.answers, at, classes);
    let other = -Infinity;
    for (let k = 0; k < classes; k++) if (k !== a) other = Math.max(other, scores[at + k]);
    m[s] = scores[at + a] - other;
  }
  return m;
}

/** log σ(x), without overflow */
const logSigmoid = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

/** The log-likelihood of the answered classes given their margins, at the best temperature. */
export function decisionLogLikelihood(margins: Float64Array): number {
  let scale = 0;
  for (const m of margins) scale = Math.max(scale, Math.abs(m));
  if (scale === 0) return margins.length * Math.log(0.5);
  let best = -Infinity;
  for (let t = TEMPERATURE_LOW * scale; t <= TEMPERATURE_HIGH * scale; t *= TEMPERATURE_RATIO) {
    let ll = 0;
    for (const m of margins) ll += logSigmoid(m / t);
    best = Math.max(best, ll);
  }
  return best;
}
