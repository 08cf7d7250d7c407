import { DType, Tensor, TensorArray } from './types';

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocArray(dtype: DType, n: number): TensorArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

/** Creates a tensor; `values` may be a typed array of the right kind or plain numbers. */
export function makeTensor(
  dtype: DType,
  shape: number[],
  values?: ArrayLike<number> | ArrayLike<bigint> | TensorArray,
): Tensor {
  const n = shapeSize(shape);
  const data = allocArray(dtype, n);
  if (values !== undefined) {
    if (values.length !== n) throw new Error(`makeTensor: ${values.length} values for shape [${shape}]`);
    if (dtype === 'int64') {
      const d = data as BigInt64Array;
      for (let i = 0; i < n; i++) {
        const v = (values as ArrayLike<number | bigint>)[i];
        d[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
      }
    } else {
      const d = data as Exclude<TensorArray, BigInt64Array>;
      for (let i = 0; i < n; i++) d[i] = Number((values as ArrayLike<number | bigint>)[i]);
    }
  }
  return { dtype, shape: [...shape], data };
}

export function scalarTensor(dtype: DType, value: number): Tensor {
  return makeTensor(dtype, [], [value]);
}

const INT64_CLAMP = BigInt(Number.MAX_SAFE_INTEGER);

/** Reads a tensor's elements as JS numbers (int64 clamped to ±2^53, float16 decoded) without copying them. */
export function numberReader(t: Tensor): (i: number) => number {
  if (t.dtype === 'int64') {
    const d = t.data as BigInt64Array;
    return (i) => {
      const v = d[i];
      return v > INT64_CLAMP ? Number.MAX_SAFE_INTEGER : v < -INT64_CLAMP ? -Number.MAX_SAFE_INTEGER : Number(v);
    };
  }
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    return (i) => halfToFloat(d[i]);
  }
  const d = t.data as Exclude<TensorArray, BigInt64Array>;
  return (i) => d[i];
}

/** Values as JS numbers (int64 clamped to ±2^53; float16 decoded). */
export function toNumbers(t: Tensor): number[] {
  const read = numberReader(t);
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  return out;
}

/** Values as a Float32Array (for float math on any numeric dtype). */
export function toFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  return Float32Array.from(toNumbers(t));
}

export function cloneTensor(t: Tensor): Tensor {
  return { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as TensorArray };
}

/** Little-endian bytes of the tensor data (the ONNX raw_data layout). */
export function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** Builds a tensor from little-endian raw bytes (copies, so alignment never matters). */
export function tensorFromBytes(dtype: DType, shape: number[], bytes: Uint8Array): Tensor {
  const n = shapeSize(shape);
  const need = n * DTYPE_BYTES[dtype];
  if (bytes.length !== need)
    throw new RangeError(`raw data holds ${bytes.length} bytes, shape [${shape}] of ${dtype} needs ${need}`);
  const copy = new Uint8Array(need);
  copy.set(bytes);
  const buf = copy.buffer;
  let data: TensorArray;
  switch (dtype) {
    case 'float32':
      data = new Float32Array(buf);
      break;
    case 'float64':
      data = new Float64Array(buf);
      break;
    case 'float16':
      data = new Uint16Array(buf);
      break;
    case 'int8':
      data = new Int8Array(buf);
      break;
    case 'uint8':
    case 'bool':
      data = new Uint8Array(buf);
      break;
    case 'int16':
      data = new Int16Array(buf);
      break;
    case 'int32':
      data = new Int32Array(buf);
      break;
    case 'int64':
      data = new BigInt64Array(buf);
      break;
  }
  return { dtype, shape: [...shape], data };
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** Converts a numeric tensor to another dtype with ONNX Cast semantics (truncation toward zero for ints). */
export function castTensor(t: Tensor, to: DType): Tensor {
  if (t.dtype === to) return cloneTensor(t);
  const vals = toNumbers(t);
  const out = allocArray(to, vals.length);
  if (to === 'int64') {
    const d = out as BigInt64Array;
    for (let i = 0; i < vals.length; i++) d[i] = BigInt(Math.trunc(vals[i]));
  } else if (to === 'bool') {
    const d = out as Uint8Array;
    for (let i = 0; i < vals.length; i++) d[i] = vals[i] !== 0 ? 1 : 0;
  } else if (to === 'float16') {
    throw new Error('cast to float16 is not supported');
  } else {
    const d = out as Exclude<TensorArray, BigInt64Array>;
    const isInt = to !== 'float32' && to !== 'float64';
    for (let i = 0; i < vals.length; i++) d[i] = isInt ? Math.trunc(vals[i]) : vals[i];
  }
  return { dtype: to, shape: [...t.shape], data: out };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
