import { DType, Tensor, TensorArray } from '../../ir/types';
import { allocArray, shapeSize, stridesOf, toNumbers } from '../../ir/tensor';

/** Element access common to every typed array the IR holds (number or bigint elements). */
type Elems = { [i: number]: number | bigint; length: number };

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

export function isIntegral(dtype: DType): boolean {
  return !isFloat(dtype) && dtype !== 'bool';
}

/** float32 → IEEE half bits (round to nearest even). */
export function floatToHalf(v: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = v;
  const x = u[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Builds a tensor of `dtype` from JS numbers with ONNX storage rules (ints truncate, bool is non-zero, float16 encodes). */
export function fromNumbers(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  const n = values.length;
  const data = allocArray(dtype, n);
  if (dtype === 'int64') {
    const d = data as BigInt64Array;
    for (let i = 0; i < n; i++) d[i] = BigInt(Math.trunc(values[i]));
  } else if (dtype === 'float16') {
    const d = data as Uint16Array;
    for (let i = 0; i < n; i++) d[i] = floatToHalf(values[i]);
  } else if (dtype === 'bool') {
    const d = data as Uint8Array;
    for (let i = 0; i < n; i++) d[i] = values[i] ? 1 : 0;
  } else {
    const d = data as Exclude<TensorArray, BigInt64Array>;
    const trunc = isIntegral(dtype);
    for (let i = 0; i < n; i++) d[i] = trunc ? Math.trunc(values[i]) : values[i];
  }
  return { dtype, shape: [...shape], data };
}

/** For every output element (row-major), the flat index of the broadcast input element. */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const n = shapeSize(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const off = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  const stride = outShape.map((d, i) => (i < off || inShape[i - off] === 1 ? 0 : inStrides[i - off]));
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    map[o] = src;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < outShape[a]) break;
      src -= stride[a] * idx[a];
      idx[a] = 0;
    }
  }
  return map;
}

/** Static numpy broadcast of concrete shapes (callers have validated compatibility via inference). */
export function broadcastStatic(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = i < rank - s.length ? 1 : s[i - (rank - s.length)];
      if (v !== 1) {
        if (d !== 1 && d !== v)
          throw new RangeError(`shapes [${shapes.map((x) => x.join(',')).join('] [')}] do not broadcast`);
        d = v;
      }
    }
    out.push(d);
  }
  return out;
}

/** Elementwise map over broadcast inputs in JS numbers; the result has dtype `outDtype`. */
export function mapBroadcast(inputs: Tensor[], outDtype: DType, fn: (...v: number[]) => number): Tensor {
  const outShape = broadcastStatic(inputs.map((t) => t.shape));
  const n = shapeSize(outShape);
  const vals = inputs.map((t) => toNumbers(t));
  const maps = inputs.map((t) => broadcastIndex(outShape, t.shape));
  const out = new Float64Array(n);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = vals[k][maps[k][i]];
    out[i] = fn(...args);
  }
  return fromNumbers(outDtype, outShape, out);
}

/** Builds a tensor by copying source elements: out[i] = src[index[i]] (exact for every dtype). */
export function gatherElements(src: Tensor, outShape: number[], index: ArrayLike<number>): Tensor {
  const data = allocArray(src.dtype, index.length);
  const s = src.data as unknown as Elems;
  const d = data as unknown as Elems;
  for (let i = 0; i < index.length; i++) d[i] = s[index[i]];
  return { dtype: src.dtype, shape: [...outShape], data };
}

/** Same as gatherElements, but an index of -1 takes `fill` (a one-element tensor of the same dtype). */
export function gatherOrFill(src: Tensor, outShape: number[], index: ArrayLike<number>, fill: Tensor): Tensor {
  const data = allocArray(src.dtype, index.length);
  const s = src.data as unknown as Elems;
  const d = data as unknown as Elems;
  const f = (fill.data as unknown as Elems)[0];
  for (let i = 0; i < index.length; i++) d[i] = index[i] < 0 ? f : s[index[i]];
  return { dtype: src.dtype, shape: [...outShape], data };
}

/** Copy of a tensor with a new shape (same element count). */
export function reshapeTensor(t: Tensor, shape: number[]): Tensor {
  return { dtype: t.dtype, shape: [...shape], data: t.data.slice() as TensorArray };
}

/** Iterates all multi-indices of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = shapeSize(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(idx, f);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
}

/** Int64 tensor from JS integers. */
export function int64Tensor(shape: number[], values: number[]): Tensor {
  return fromNumbers('int64', shape, values);
}
