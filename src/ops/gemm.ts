import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrFloat, attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode, optionalType, shapeError } from './support/node-check';
import { broadcastShapes, dimsConflict } from './support/shape';
import { broadcastIndex, fromNumbers } from './support/tensor-ops';

function dims(ctx: OpContext): { m: Dim; k: Dim; n: Dim } {
  const a = inputType(ctx, 0);
  const b = inputType(ctx, 1);
  if (a.shape && a.shape.length !== 2) throw shapeError(ctx, `Gemm A must be 2-D, got rank ${a.shape.length}`);
  if (b.shape && b.shape.length !== 2) throw shapeError(ctx, `Gemm B must be 2-D, got rank ${b.shape.length}`);
  const ta = attrInt(ctx, 'transA', 0) !== 0;
  const tb = attrInt(ctx, 'transB', 0) !== 0;
  const m = a.shape ? a.shape[ta ? 1 : 0] : null;
  const ka = a.shape ? a.shape[ta ? 0 : 1] : null;
  const kb = b.shape ? b.shape[tb ? 1 : 0] : null;
  const n = b.shape ? b.shape[tb ? 0 : 1] : null;
  if (dimsConflict(ka, kb)) throw shapeError(ctx, `Gemm inner dimensions differ: ${ka} vs ${kb}`);
  return { m, k: typeof ka === 'number' ? ka : kb, n };
}

export const gemm: OpDef = {
  opType: 'Gemm',
  tflm: 'int8',
  tflmNote: '→ FULLY_CONNECTED (constant B)',
  tflmFor: (ctx) =>
    ctx.consts[1] && attrInt(ctx, 'transA', 0) === 0
      ? { support: 'int8', note: '→ FULLY_CONNECTED' }
      : { support: 'none', note: 'Gemm needs a constant B and transA=0 for FULLY_CONNECTED' },
  infer(ctx) {
    checkArity(ctx, 2, 3);
    const a = inputType(ctx, 0);
    if (inputType(ctx, 1).dtype !== a.dtype) throw invalidNode(ctx, 'Gemm A and B have different types');
    const { m, n } = dims(ctx);
    const c = optionalType(ctx, 2);
    if (c?.shape) {
      if (c.shape.length > 2) throw shapeError(ctx, `Gemm C must have rank ≤ 2, got ${c.shape.length}`);
      const bc = broadcastShapes(ctx, [[m, n], c.shape]);
      if (bc && (dimsConflict(bc[0], m) || dimsConflict(bc[1], n)))
        throw shapeError(ctx, 'Gemm C does not broadcast to [M, N]');
    }
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
  macs(ctx) {
    const { m, k, n } = dims(ctx);
    return typeof m === 'number' && typeof k === 'number' && typeof n === 'number' ? m * k * n : 0;
  },
  evaluate(ctx, inputs) {
    const [at, bt, ct] = inputs as (Tensor | undefined)[];
    const ta = attrInt(ctx, 'transA', 0) !== 0;
    const tb = attrInt(ctx, 'transB', 0) !== 0;
    const alpha = Math.fround(attrFloat(ctx, 'alpha', 1));
    const beta = Math.fround(attrFloat(ctx, 'beta', 1));
    const M = at!.shape[ta ? 1 : 0];
    const K = at!.shape[ta ? 0 : 1];
    const N = bt!.shape[tb ? 0 : 1];
    const av = toNumbers(at!);
    const bv = toNumbers(bt!);
    const out = new Float64Array(M * N);
    const cMap = ct ? broadcastIndex([M, N], ct.shape) : undefined;
    const cv = ct ? toNumbers(ct) : undefined;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += av[ta ? k * M + i : i * K + k] * bv[tb ? j * K + k : k * N + j];
        out[i * N + j] = alpha * s + (cv ? beta * cv[cMap![i * N + j]] : 0);
      }
    }
    return [fromNumbers(at!.dtype, [M, N], out)];
  },
};
