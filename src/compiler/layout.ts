/**
 * Physical layouts of lowered values.
 *
 * Every ONNX value has a logical shape (ONNX order, e.g. NCHW). Its TFLite tensor holds the same
 * elements in a possibly different order, described by a Layout: the physical element sequence is
 * `transpose(reshape(logical, dims), perm)` flattened. `dims` need not equal the logical shape
 * (a Flatten of an NHWC tensor keeps the NHWC element order: dims [N,C,H,W], perm [0,2,3,1]
 * while the logical shape is [N, C·H·W]); the TFLite tensor's own shape is any shape with the
 * same element count.
 *
 * Two layouts describe the same element order iff their canonical forms are equal: drop size-1
 * dims, then merge runs of dims that stay adjacent and in order under the permutation.
 */
import { shapeSize } from '../ir/tensor';

export interface Layout {
  dims: number[];
  perm: number[];
}

/** The permutation NCHW → NHWC (and its 1-D and 3-D analogues: channels last). */
export function channelsLast(rank: number): number[] {
  return [0, ...iota(rank).slice(2), 1];
}

export function iota(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function invertPerm(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}

export function isIdentityPerm(p: readonly number[]): boolean {
  return p.every((v, i) => v === i);
}

export function permute<T>(xs: readonly T[], p: readonly number[]): T[] {
  return p.map((i) => xs[i]);
}

export function identityLayout(shape: readonly number[]): Layout {
  return { dims: [...shape], perm: iota(shape.length) };
}

/** Drops size-1 dims and merges runs that stay adjacent and ordered under the permutation. */
export function canonical(l: Layout): Layout {
  const keep = l.dims.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  const renumber = new Map(keep.map((old, i) => [old, i]));
  const dims = keep.map((i) => l.dims[i]);
  const perm = l.perm.filter((i) => renumber.has(i)).map((i) => renumber.get(i)!);
  // physical runs of consecutive logical dims
  const runs: number[][] = [];
  for (const p of perm) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] + 1 === p) last.push(p);
    else runs.push([p]);
  }
  const byLogical = [...runs].sort((a, b) => a[0] - b[0]);
  const index = new Map(byLogical.map((r, i) => [r, i]));
  return {
    dims: byLogical.map((r) => r.reduce((n, i) => n * dims[i], 1)),
    perm: runs.map((r) => index.get(r)!),
  };
}

export function sameOrder(a: Layout, b: Layout): boolean {
  const ca = canonical(a);
  const cb = canonical(b);
  return (
    ca.dims.length === cb.dims.length &&
    ca.dims.every((d, i) => d === cb.dims[i]) &&
    ca.perm.every((p, i) => p === cb.perm[i])
  );
}

/** True when the physical element order equals the logical (row-major) order. */
export function isTrivial(l: Layout): boolean {
  return canonical(l).perm.length <= 1;
}

/**
 * Expresses a layout as a permutation P over the logical shape (physical = transpose(logical, P)),
 * or null when the element order cannot be written that way. Size-1 logical dims keep their own
 * position in P so that NCHW-style broadcast shapes line up.
 */
export function permOver(l: Layout, logical: readonly number[]): number[] | null {
  if (l.dims.length === logical.length && l.dims.every((d, i) => d === logical[i])) return [...l.perm];
  const c = canonical(l);
  const nonUnit = logical.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  const groups: number[][] = [];
  let k = 0;
  for (const d of c.dims) {
    const g: number[] = [];
    let prod = 1;
    while (prod < d && k < nonUnit.length) {
      prod *= logical[nonUnit[k]];
      g.push(nonUnit[k++]);
    }
    if (prod !== d) return null;
    groups.push(g);
  }
  if (k !== nonUnit.length) return null;
  const order = c.perm.flatMap((gi) => groups[gi]);
  const P = new Array<number>(logical.length);
  let next = 0;
  for (let i = 0; i < logical.length; i++) P[i] = logical[i] === 1 ? i : order[next++];
  return P;
}

type NumArray =
  Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array | Float64Array | BigInt64Array | Uint16Array;

/** Returns data of shape `shape[perm]` holding transpose(data, perm). */
export function transposeData<T extends NumArray>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const n = shapeSize(shape);
  const ctor = data.constructor as new (n: number) => T;
  const out = new ctor(n);
  const src = data as unknown as { [i: number]: number };
  const dst = out as unknown as { [i: number]: number };
  if (isIdentityPerm(perm) || n === 0) {
    (out as unknown as { set(a: T): void }).set(data);
    return out;
  }
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = acc;
    acc *= shape[i];
  }
  const outShape = perm.map((p) => shape[p]);
  const strideOfOut = perm.map((p) => inStrides[p]);
  // odometer over the outer output dims, a tight strided loop over the innermost one
  const inner = outShape[rank - 1];
  const innerStride = strideOfOut[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  let base = 0;
  for (let o = 0; o < n; o += inner) {
    for (let k = 0, s = base; k < inner; k++, s += innerStride) dst[o + k] = src[s];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      base += strideOfOut[d];
      if (idx[d] < outShape[d]) break;
      base -= strideOfOut[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Logical (row-major) data → physical data under a layout. */
export function toPhysical<T extends NumArray>(data: T, l: Layout): T {
  return transposeData(data, l.dims, l.perm);
}

/** For each physical element position, the logical flat index stored there. */
export function physicalIndexMap(l: Layout): Int32Array {
  const n = shapeSize(l.dims);
  const iotaData = new Int32Array(n);
  for (let i = 0; i < n; i++) iotaData[i] = i;
  return toPhysical(iotaData, l);
}

/**
 * The permutation q with target = transpose(source, q) where source = transpose(X, from) and
 * target = transpose(X, to) over the same dims.
 */
export function relativePerm(from: readonly number[], to: readonly number[]): number[] {
  const inv = invertPerm(from);
  return to.map((t) => inv[t]);
}
