import { Dim } from '../../ir/types';

/**
 * Product of dims as a Dim: a number when all are static, a symbol when exactly one symbolic dim
 * remains and the static rest multiplies to 1, otherwise null (unknown).
 */
export function dimsProduct(dims: Dim[]): Dim {
  let p = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (d === null) return null;
    if (typeof d === 'string') syms.push(d);
    else p *= d;
  }
  if (syms.length === 0) return p;
  if (syms.length === 1 && p === 1) return syms[0];
  return null;
}

/**
 * Solves `known × x = total` over dims with symbols: x is a number when all symbols cancel,
 * a symbol when one is left in the numerator and the static ratio is 1, else null.
 */
export function dimsQuotient(total: Dim[], known: Dim[]): Dim {
  if (total.some((d) => d === null) || known.some((d) => d === null)) return null;
  const num = total.filter((d): d is string => typeof d === 'string');
  const den = known.filter((d): d is string => typeof d === 'string');
  for (const s of [...den]) {
    const i = num.indexOf(s);
    if (i < 0) return null;
    num.splice(i, 1);
    den.splice(den.indexOf(s), 1);
  }
  const n = (total.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  const k = (known.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  if (k === 0) return null;
  const q = n / k;
  if (num.length === 0) return Number.isInteger(q) ? q : null;
  if (num.length === 1 && q === 1) return num[0];
  return null;
}
