/**
 * Scoring a black-box query: matches between the model's labels on the triggers and the trigger
 * labels, the exact binomial p-value P[X ≥ matches | N, null rate] and the verdict.
 */
import { binomialTail } from './binomial';

export const DEFAULT_ALPHA = 1e-6;

export interface Score {
  matches: number;
  triggers: number;
  nullRate: number;
  pValue: number;
  alpha: number;
  verdict: 'detected' | 'not detected';
}

export function scoreLabels(predicted: ArrayLike<number>, expected: ArrayLike<number>, nullRate: number, alpha = DEFAULT_ALPHA): Score {
  if (predicted.length !== expected.length) throw new RangeError(`${predicted.length} predictions for ${expected.length} triggers`);
  let matches = 0;
  for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) matches++;
  const pValue = binomialTail(matches, expected.length, nullRate);
  return { matches, triggers: expected.length, nullRate, pValue, alpha, verdict: pValue <= alpha ? 'detected' : 'not detected' };
}
