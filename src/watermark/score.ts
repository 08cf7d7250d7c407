/**
 * Scoring a black-box query: matches between the model's labels on the triggers and the trigger
 * labels, the exact binomial p-value P[X ≥ matches | N, null rate] and the verdict.
 */
import { binomialLogTail } from './binomial';

export const DEFAULT_ALPHA = 1e-6;

export interface Score {
  matches: number;
  triggers: number;
  nullRate: number;
  pValue: number;
  /** log10 of the p-value (stays finite when the p-value underflows to 0). */
  log10PValue: number;
  alpha: number;
  verdict: 'detected' | 'not detected';
}

export function scoreLabels(
  predicted: ArrayLike<number>,
  expected: ArrayLike<number>,
  nullRate: number,
  alpha = DEFAULT_ALPHA,
): Score {
  if (predicted.length !== expected.length)
    throw new RangeError(`${predicted.length} predictions for ${expected.length} triggers`);
  let matches = 0;
  for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) matches++;
  const lnP = binomialLogTail(matches, expected.length, nullRate);
  const pValue = Math.exp(lnP);
  return {
    matches,
    triggers: expected.length,
    nullRate,
    pValue,
    log10PValue: lnP / Math.LN10,
    alpha,
    verdict: lnP <= Math.log(alpha) ? 'detected' : 'not detected',
  };
}
