import { Tensor } from '../ir/types';
import { makeTensor, shapeSize, toFloat32 } from '../ir/tensor';

/** Bias constants that broadcast as one value per output column: [], [1], [N], [1,N]. */
export function columnBias(t: Tensor, n: number): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const size = shapeSize(t.shape);
  const ok = t.shape.length <= 2 && (t.shape.length < 2 || t.shape[0] === 1) && (size === n || size === 1);
  if (!ok) return undefined;
  const v = toFloat32(t);
  return size === n ? v : new Float32Array(n).fill(v[0]);
}

/** Scales slices of a float tensor along `axis` by scale[index along axis]. */
export function scaleAlong(t: Tensor, axis: number, scale: Float64Array): Tensor {
  const src = toFloat32(t);
  const inner = shapeSize(t.shape.slice(axis + 1));
  const dim = t.shape[axis];
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] * scale[Math.floor(i / inner) % dim];
  return makeTensor('float32', t.shape, out);
}
