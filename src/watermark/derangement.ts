/**
 * A signature-derived permutation of the classes with no fixed point (trigger label =
 * perm[true label], so a trigger never asks for its base's own class). Fisher–Yates from the
 * stream, redrawn (continuing the same stream) until no class maps to itself.
 */
import { Sha256Stream } from './drbg';

export function derangement(stream: Sha256Stream, classes: number): number[] {
  if (!Number.isInteger(classes) || classes < 2)
    throw new RangeError(`a derangement needs at least 2 classes, got ${classes}`);
  for (;;) {
    const perm = Array.from({ length: classes }, (_, i) => i);
    for (let i = classes - 1; i >= 1; i--) {
      const j = stream.uniform(i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    if (perm.every((p, i) => p !== i)) return perm;
  }
}
