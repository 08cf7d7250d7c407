import { DType, Tensor, TensorArray } from '../../ir/types';
import { allocArray, numberReader, shapeSize, stridesOf } from '../../ir/tensor';

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

/** Writes JS numbers into a tensor's storage with ONNX storage rules (ints truncate, bool is non-zero, float16 encodes). */
export function numberWriter(dtype: DType, data: TensorArray): (i: number, v: number) => void {
  if (dtype === 'int64') {
    const d = data as BigInt64Array;
    return (i, v) => {
      d[i] = BigInt(Math.trunc(v));
    };
  }
  if (dtype === 'float16') {
    const d = data as Uint16Array;
    return (i, v) => {
      d[i] = floatToHalf(v);
    };
  }
  if (dtype === 'bool') {
    const d = data as Uint8Array;
    return (i, v) => {
      d[i] = v ? 1 : 0;
    };
  }
  const d = data as Exclude<TensorArray, BigInt64Array>;
  if (isIntegral(dtype))
    return (i, v) => {
      d[i] = Math.trunc(v);
    };
  return (i, v) => {
    d[i] = v;
  };
}

/** Builds a tensor of `dtype` from JS numbers with ONNX storage rules (ints truncate, bool is non-zero, float16 encodes). */
export function fromNumbers(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  const n = values.length;
  const data = allocArray(dtype, n);
  const put = numberWriter(dtype, data);
  for (let i = 0; i < n; i++) put(i, values[i]);
  return { dtype, shape: [...shape], data };
}

/**
 * Walks the output of a numpy broadcast in row-major order, keeping each input's flat element offset up to date:
 * `visit(o, src)` sees output index `o` and `src[k]`, the offset in input `k`. Nothing per element is allocated,
 * so evaluating a broadcast costs its result and nothing more (the constant-memory budget charges only that).
 */
export function forEachBroadcast(
  outShape: readonly number[],
  inShapes: readonly (readonly number[])[],
  visit: (o: number, src: Float64Array) => void,
): void {
  const n = shapeSize(outShape);
  const rank = outShape.length;
  const k = inShapes.length;
  const strides = inShapes.map((inShape) => {
    const off = rank - inShape.length;
    const inStrides = stridesOf(inShape);
    return outShape.map((_, i) => (i < off || inShape[i - off] === 1 ? 0 : inStrides[i - off]));
  });
  const idx = new Array<number>(rank).fill(0);
  const src = new Float64Array(k);
  for (let o = 0; o < n; o++) {
    visit(o, src);
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      for (let j = 0; j < k; j++) src[j] += strides[j][a];
      if (idx[a] < outShape[a]) break;
      for (let j = 0; j < k; j++) src[j] -= strides[j][a] * idx[a];
      idx[a] = 0;
    }
  }
}

/** For every output element (row-major), the flat index of the broadcast input element (for small maps only). */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const map = new Int32Array(shapeSize(outShape));
  forEachBroadcast(outShape, [inShape], (o, src) => {
    map[o] = src[0];
  });
  return map;
}

/** `x` broadcast to `outShape` (numpy rules), copied element by element (exact for every dtype). */
export function broadcastTo(x: Tensor, outShape: number[]): Tensor {
  const data = allocArray(x.dtype, shapeSize(outShape));
  const s = x.data as unknown as Elems;
  const d = data as unknown as Elems;
  forEachBroadcast(outShape, [x.shape], (o, src) => {
    d[o] = s[src[0]];
  });
  return { dtype: x.dtype, shape: [...outShape], data };
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
  const data = allocArray(outDtype, shapeSize(outShape));
  const put = numberWriter(outDtype, data);
  const read = inputs.map((t) => numberReader(t));
  const args = new Array<number>(inputs.length);
  forEachBroadcast(
    outShape,
    inputs.map((t) => t.shape),
    (o, src) => {
      for (let k = 0; k < read.length; k++) args[k] = read[k](src[k]);
      put(o, fn(...args));
    },
  );
  return { dtype: outDtype, shape: outShape, data };
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
