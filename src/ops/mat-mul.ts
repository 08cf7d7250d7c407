import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { checkArity, inputType, invalidNode, shapeError } from './support/node-check';
import { broadcastShapes, dimProduct, dimsConflict } from './support/shape';
import { broadcastIndex, broadcastStatic, fromNumbers } from './support/tensor-ops';

interface MatMulShape {
  batch: Dim[] | null;
  m: Dim;
  k: Dim;
  n: Dim;
  out: Dim[] | null;
}

/** numpy matmul shape rules: 1-D operands are promoted and the promoted axis dropped from the result. */
function matmulShape(ctx: OpContext, a: Dim[] | null, b: Dim[] | null): MatMulShape {
  if ((a && a.length === 0) || (b && b.length === 0)) throw shapeError(ctx, 'MatMul operands must have rank ≥ 1');
  const a2 = a ? (a.length === 1 ? [1, a[0]] : a) : null;
  const b2 = b ? (b.length === 1 ? [b[0], 1] : b) : null;
  const m = a2 ? a2[a2.length - 2] : null;
  const ka = a2 ? a2[a2.length - 1] : null;
  const kb = b2 ? b2[b2.length - 2] : null;
  const n = b2 ? b2[b2.length - 1] : null;
  if (dimsConflict(ka, kb)) throw shapeError(ctx, `MatMul inner dimensions differ: ${ka} vs ${kb}`);
  const batch = a2 && b2 ? broadcastShapes(ctx, [a2.slice(0, -2), b2.slice(0, -2)]) : null;
  let out: Dim[] | null = null;
  if (batch && a && b) {
    out = [...batch];
    if (a.length > 1) out.push(m);
    if (b.length > 1) out.push(n);
  }
  return { batch, m, k: typeof ka === 'number' ? ka : kb, n, out };
}

export const matMul: OpDef = {
  opType: 'MatMul',
  tflm: 'int8',
  tflmNote: '→ FULLY_CONNECTED (constant 2-D B)',
  tflmFor: (ctx) =>
    ctx.consts[1] && ctx.consts[1].shape.length === 2
      ? { support: 'int8', note: '→ FULLY_CONNECTED' }
      : { support: 'none', note: 'MatMul of two non-constant tensors has no int8 lowering in edgelock' },
  infer(ctx) {
    checkArity(ctx, 2, 2);
    const a = inputType(ctx, 0);
    const b = inputType(ctx, 1);
    if (a.dtype !== b.dtype) throw invalidNode(ctx, `MatMul operands have different types (${a.dtype}, ${b.dtype})`);
    return [{ dtype: a.dtype, shape: matmulShape(ctx, a.shape, b.shape).out }];
  },
  macs(ctx) {
    const s = matmulShape(ctx, ctx.inputs[0]?.shape ?? null, ctx.inputs[1]?.shape ?? null);
    const batch = s.batch ? dimProduct(s.batch) : null;
    return batch !== null && typeof s.m === 'number' && typeof s.k === 'number' && typeof s.n === 'number'
      ? batch * s.m * s.k * s.n
      : 0;
  },
  evaluate(_ctx, inputs) {
    const [at, bt] = inputs as Tensor[];
    const aShape = at.shape.length === 1 ? [1, at.shape[0]] : at.shape;
    const bShape = bt.shape.length === 1 ? [bt.shape[0], 1] : bt.shape;
    const M = aShape[aShape.length - 2];
    const K = aShape[aShape.length - 1];
    const N = bShape[bShape.length - 1];
    const batch = broadcastStatic([aShape.slice(0, -2), bShape.slice(0, -2)]);
    const nb = shapeSize(batch);
    const aMap = broadcastIndex(batch, aShape.slice(0, -2));
    const bMap = broadcastIndex(batch, bShape.slice(0, -2));
    const av = toNumbers(at);
    const bv = toNumbers(bt);
    const out = new Float64Array(nb * M * N);
    for (let p = 0; p < nb; p++) {
      const ao = aMap[p] * M * K;
      const bo = bMap[p] * K * N;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += av[ao + i * K + k] * bv[bo + k * N + j];
          out[(p * M + i) * N + j] = s;
        }
      }
    }
    const shape = [...batch];
    if (at.shape.length > 1) shape.push(M);
    if (bt.shape.length > 1) shape.push(N);
    return [fromNumbers(at.dtype, shape, out)];
  },
};
