/**
 * Calibrating one board's mark rate on a reference set (docs/watermark.md, "Response mark"): the keyed decision marks
 * each input code with probability rate, so the fraction a given key marks on a finite set varies from key to key
 * (on the 10,000 MNIST test images 0.30–0.58% at a nominal 0.4%). The packager, who holds the board's mark key,
 * lowers that board's rate until it marks at most floor(nominal × n) of the n reference inputs: the marked fraction
 * (an upper bound of the accuracy cost) on the reference set is then at most the nominal rate for every key, and the
 * rate on any other data cannot exceed the nominal one. The result is an ordinary rate in the package record; the
 * board does nothing new. The owner can recompute it from the master key, the base model and the same reference.
 */
import { RATE_ONE } from '../package/response-mark';
import { KeyedHmac, padMessages } from './hmac-words';

export interface Calibration {
  /** the calibrated rate (marked queries per million), 1..nominal */
  ratePpm: number;
  nominalPpm: number;
  /** reference inputs */
  reference: number;
  /** floor(nominal × reference): the most it may mark */
  allowed: number;
  /** reference inputs marked at the nominal rate and at the calibrated one */
  markedNominal: number;
  marked: number;
}

/** The decision's first word for each code: marked at rate r iff word × 10^6 < r × 2^32 (decision.ts). */
function words(key: Uint8Array, codes: readonly Uint8Array[]): Float64Array {
  const padded = padMessages(codes);
  const hmac = new KeyedHmac(key);
  try {
    return Float64Array.from(codes, (_, i) => hmac.firstWord(padded, i));
  } finally {
    hmac.wipe();
  }
}

const TWO32 = 2 ** 32;

function countAt(w: Float64Array, ppm: number): number {
  // w × 10^6 and ppm × 2^32 are below 2^53: exact in doubles
  const bound = ppm * TWO32;
  let n = 0;
  for (let i = 0; i < w.length; i++) if (w[i] * RATE_ONE < bound) n++;
  return n;
}

/**
 * The largest rate ≤ nominalPpm at which `key` marks at most `allowed` (default floor(nominal × n)) of the reference
 * codes.
 */
export function calibrateRate(
  key: Uint8Array,
  nominalPpm: number,
  codes: readonly Uint8Array[],
  allowed = Math.floor((nominalPpm * codes.length) / RATE_ONE),
): Calibration {
  const w = words(key, codes);
  const markedNominal = countAt(w, nominalPpm);
  let lo = 1;
  let hi = nominalPpm;
  if (markedNominal > allowed) {
    // largest ppm in [1, nominal) with countAt ≤ allowed (countAt is non-decreasing in ppm)
    hi = nominalPpm - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (countAt(w, mid) <= allowed) lo = mid;
      else hi = mid - 1;
    }
  }
  const ratePpm = markedNominal > allowed ? lo : nominalPpm;
  return { ratePpm, nominalPpm, reference: codes.length, allowed, markedNominal, marked: countAt(w, ratePpm) };
}
