/**
 * The weighted lead: one part of the response mark's scores statistic (docs/watermark.md, "The weighted lead").
 *
 * A copy distilled from a marking board's answers shows the mark only on the marked inputs it was trained on, a tenth
 * of the owner's marked pool inputs for a 6,000-query copy of MNIST. On those it raises the keyed class over the base
 * model more than any other eligible class, nearly every time, even where its answer stays the base model's; on the
 * others it looks like a model trained without the key. The lead count (verify.ts) reads this with a hard threshold: a
 * code is a trial when an eligible class reaches 1%. The weighted lead is the likelihood-ratio version of it: for a
 * code whose most raised eligible offsets are T (the largest mean floored log-ratio, flooredRatio at WEIGHTED_LEAD.floor)
 * and whose suspect gives its most probable eligible class the probability q (mean over the code's inputs), the
 * chance that the copy learned this code is taken as
 *     w = cap · σ(slope · (ln q − centre))
 * and the code's value at offset o is the log of the likelihood ratio of "the keyed offset is in T with probability
 * w, uniform otherwise" against "uniform":
 *     v_o = ln(1 − w + choices · w / |T|)   for o in T,      ln(1 − w)   otherwise.
 * Summed at the keyed offsets, on the lattice of log-ratio.ts. w, T and the values depend only on the suspect's and the
 * base model's outputs, never on a key, so the null is exact, as for the log-ratio (latticeSum): each code contributes
 * one of its values uniformly. A code where the suspect raises nothing (every class floored alike) has T = every
 * offset and contributes 0.
 *
 * The weights were chosen on the LeNet victim's three hard-label LeNet copies of the measurement board (seeds 1–3) and
 * then measured on the other copies (docs/watermark.md).
 */
import { codeMeans, flooredRatio, LATTICE_STEPS, MarkedReading, RatioCode } from './log-ratio';

export const WEIGHTED_LEAD = {
  /** the floor of the log-ratio that picks the most raised offsets, nats */
  floor: 8,
  /** the largest weight of a code */
  cap: 0.9,
  /** the logistic's slope per nat of ln q and its centre (ln q = −4: q ≈ 1.8%) */
  slope: 1.5,
  centre: -4,
} as const;

/** The weight of a code whose most probable eligible class has probability q. */
export function leadWeight(q: number): number {
  const { cap, slope, centre } = WEIGHTED_LEAD;
  if (!(q > 0)) return 0;
  return cap / (1 + Math.exp(-slope * (Math.log(q) - centre)));
}

/** The value vectors of one key's marked inputs (module comment). */
export function weightedLeadCodes(inputs: readonly { index: number; offset: number }[], o: MarkedReading): RatioCode[] {
  const ratio = codeMeans(inputs, o, flooredRatio(WEIGHTED_LEAD.floor));
  const probs = codeMeans(inputs, o, (s, _b, c) => (Number.isFinite(s[c]) ? Math.exp(s[c]) : 0));
  return ratio.map((e, j) => {
    const choices = e.means.length;
    let best = -Infinity;
    for (const v of e.means) if (v > best) best = v;
    const inT = Array.from(e.means, (v) => v === best);
    const tied = inT.filter(Boolean).length;
    let q = 0;
    for (const v of probs[j].means) if (v > q) q = v;
    const w = Number.isFinite(best) ? leadWeight(q) : 0; // no finite value (a hostile suspect's NaN): no weight
    return {
      offset: e.offset,
      values: Int32Array.from(inT, (t) => Math.round(Math.log(1 - w + (t ? (choices * w) / tied : 0)) * LATTICE_STEPS)),
    };
  });
}
