/** A p-value given as its log10, printed (below 1e-300 as a power of ten, which a double cannot hold). */
export function pFromLog10(l: number): string {
  return l > -300 ? (10 ** l).toExponential(1) : `1e${Math.floor(l)}`;
}
