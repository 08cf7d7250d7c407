/**
 * What a leak that answers only its decision is compared with. On a boundary probe (boundary-probes.ts) the reference
 * model's top two classes are nearly tied: call them b (its decision) and q (the runner-up). A ±1-step code pushes
 * the copy's score of q up or down against b's, and the copy answers q when the push is towards q. So both answers
 * carry evidence: "q" says the code pushed towards q, "b" says it pushed towards b.
 *
 * Compared with the reference's one-hot decision e_b, only the answers "q" leave a residual (e_q − e_b): every probe
 * answered "b" reads as "no push", and the residual's mean, p·(e_q − e_b) where p is how often the leak answers the
 * runner-up, is the same for every code and only adds noise. The centred reference
 *
 *   t = (1 − p)·e_b + p·e_q,   p = (probes answered q) / (probes answered b or q),
 *
 * leaves the residual ±(e_q − e_b) scaled by (1 − p) or p: an estimate of the push's direction on every probe. A
 * probe answered with a third class keeps the one-hot reference (its residual is that class against b).
 *
 * p is read from the leak's answers and the reference only, never from a candidate's code, so the Hoeffding bound of
 * score.ts holds for every innocent board unchanged. A leak that answers exactly as the reference does has p = 0 and
 * t = e_b everywhere: no residual, nobody named.
 */
import { argmax } from './victims';

/** The index of the larger score other than `top`'s. */
function runnerUp(v: Float32Array, at: number, n: number, top: number): number {
  let best = top === 0 ? 1 : 0;
  for (let k = 0; k < n; k++) if (k !== top && v[at + k] > v[at + best]) best = k;
  return best;
}

/**
 * The centred reference for `answers` (one-hot, count × classes) given the reference model's own scores on the same
 * probes (`referenceScores`, not hard-labelled).
 */
export function centredDecisions(referenceScores: Float32Array, answers: Float32Array, count: number): Float32Array {
  const classes = answers.length / count;
  const top = new Int32Array(count);
  const second = new Int32Array(count);
  const said = new Int32Array(count);
  let toRunnerUp = 0;
  let eitherOfTwo = 0;
  for (let s = 0; s < count; s++) {
    top[s] = argmax(referenceScores, s * classes, classes);
    second[s] = runnerUp(referenceScores, s * classes, classes, top[s]);
    said[s] = argmax(answers, s * classes, classes);
    if (said[s] === second[s]) toRunnerUp++;
    if (said[s] === second[s] || said[s] === top[s]) eitherOfTwo++;
  }
  const p = eitherOfTwo > 0 ? toRunnerUp / eitherOfTwo : 0;
  const t = new Float32Array(count * classes);
  for (let s = 0; s < count; s++) {
    const two = said[s] === top[s] || said[s] === second[s];
    t[s * classes + top[s]] = two ? 1 - p : 1;
    if (two) t[s * classes + second[s]] += p;
  }
  return t;
}
