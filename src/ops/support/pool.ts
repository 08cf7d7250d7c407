import { Tensor } from '../../ir/types';
import { shapeSize, toNumbers } from '../../ir/tensor';
import { OpContext, ValueType } from '../types';
import { attrInt, attrInts } from './attrs';
import { inputType, invalidNode, requireFloat, shapeError } from './node-check';
import { resolveWindow, Window } from './spatial';
import { forEachIndex, fromNumbers } from './tensor-ops';

export function poolGeometry(ctx: OpContext): { x: ValueType; window: Window } {
  const x = inputType(ctx, 0);
  requireFloat(ctx, x, 'input');
  if (!x.shape || x.shape.length < 3)
    throw shapeError(ctx, `${ctx.node.opType} input must have rank ≥ 3 (N, C, spatial…)`);
  const kernel = attrInts(ctx, 'kernel_shape');
  if (!kernel) throw invalidNode(ctx, `${ctx.node.opType} needs the kernel_shape attribute`);
  const ceil = attrInt(ctx, 'ceil_mode', 0) !== 0;
  return { x, window: resolveWindow(ctx, x.shape.slice(2), kernel, 'pool', ceil) };
}

/** One pooling window along every spatial axis, clipped to the input: the visited input offsets. */
export interface WindowVisit {
  /** Flat spatial offsets of the valid input elements under the window. */
  offsets: number[];
  /** Number of positions the window covers inside input + padding (onnxruntime's count_include_pad divisor). */
  paddedCount: number;
}

/**
 * Runs `reduce` over every (n, c, output position) window, onnxruntime's way: a window starts at
 * o·stride − padBegin, its padded extent is clipped at input + padEnd, and its data at the input.
 */
export function poolEvaluate(x: Tensor, win: Window, reduce: (vals: number[], visit: WindowVisit) => number): Tensor {
  const [n, c] = x.shape;
  const sp = x.shape.slice(2);
  const nsp = sp.length;
  const outSp = win.out as number[];
  const spSize = shapeSize(sp);
  const outSize = shapeSize(outSp);
  const xv = toNumbers(x);
  const spStrides = sp.map((_, i) => shapeSize(sp.slice(i + 1)));
  const out = new Float64Array(n * c * outSize);
  const visits: WindowVisit[] = [];
  forEachIndex(outSp, (o) => {
    const axes: number[][] = [];
    let padded = 1;
    for (let i = 0; i < nsp; i++) {
      const start = o[i] * win.strides[i] - win.padsBegin![i];
      const lastPadded = Math.min(start + (win.kernel[i] - 1) * win.dilations[i], sp[i] + win.padsEnd![i] - 1);
      const valid: number[] = [];
      let count = 0;
      for (let k = 0; k < win.kernel[i]; k++) {
        const p = start + k * win.dilations[i];
        if (p > lastPadded) break;
        count++;
        if (p >= 0 && p < sp[i]) valid.push(p);
      }
      padded *= count;
      axes.push(valid);
    }
    const offsets: number[] = [];
    forEachIndex(
      axes.map((a) => a.length),
      (idx) => {
        let off = 0;
        for (let i = 0; i < nsp; i++) off += axes[i][idx[i]] * spStrides[i];
        offsets.push(off);
      },
    );
    visits.push({ offsets, paddedCount: padded });
  });
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * spSize;
    for (let o = 0; o < outSize; o++) {
      const v = visits[o];
      out[plane * outSize + o] = reduce(
        v.offsets.map((off) => xv[base + off]),
        v,
      );
    }
  }
  return fromNumbers(x.dtype, [n, c, ...outSp], out);
}
