import { OpContext, OpDef, TflmVerdict, ValueType } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, stridesOf, toNumbers } from '../ir/tensor';
import { attrInt, attrInts } from './support/attrs';
import { checkArity, inputType, invalidNode, optionalType, requireFloat, shapeError } from './support/node-check';
import { resolveWindow, Window } from './support/spatial';
import { dimProduct, dimsConflict } from './support/shape';
import { forEachIndex, fromNumbers } from './support/tensor-ops';

function kernelOf(ctx: OpContext, w: ValueType): number[] {
  const attr = attrInts(ctx, 'kernel_shape');
  if (attr) return attr;
  if (!w.shape) throw shapeError(ctx, 'Conv needs kernel_shape or a weight of known shape');
  const k = w.shape.slice(2);
  if (k.some((d) => typeof d !== 'number')) throw shapeError(ctx, 'Conv weight spatial dims are not static');
  return k as number[];
}

interface ConvGeometry {
  group: number;
  window: Window;
}

function geometry(ctx: OpContext): { x: ValueType; w: ValueType; geo: ConvGeometry } {
  const x = inputType(ctx, 0);
  const w = inputType(ctx, 1);
  requireFloat(ctx, x, 'input');
  if (!x.shape || x.shape.length < 3) throw shapeError(ctx, 'Conv input must have rank ≥ 3 (N, C, spatial…)');
  const group = attrInt(ctx, 'group', 1);
  if (group < 1) throw invalidNode(ctx, `group ${group} is invalid`);
  if (w.shape && w.shape.length !== x.shape.length)
    throw invalidNode(ctx, `Conv weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
  if (w.shape) {
    const cin = x.shape[1];
    const wc = w.shape[1];
    if (typeof cin === 'number' && typeof wc === 'number' && cin !== wc * group) {
      throw invalidNode(ctx, `Conv input has ${cin} channels, weight expects ${wc} × group ${group}`);
    }
    const m = w.shape[0];
    if (typeof m === 'number' && m % group !== 0)
      throw invalidNode(ctx, `Conv has ${m} output channels, not divisible by group ${group}`);
  }
  const window = resolveWindow(ctx, x.shape.slice(2), kernelOf(ctx, w), 'conv', false);
  return { x, w, geo: { group, window } };
}

function tflmFor(ctx: OpContext): TflmVerdict {
  const x = ctx.inputs[0];
  const w = ctx.inputs[1];
  const rank = x?.shape?.length;
  if (rank !== 4 && rank !== 3) return { support: 'none', note: 'only 1-D/2-D convolutions have a TFLM lowering' };
  if (!ctx.consts[1]) return { support: 'none', note: 'Conv with a non-constant weight has no int8 TFLM lowering' };
  const group = attrInt(ctx, 'group', 1);
  const cin = x?.shape?.[1];
  if (group === 1) return { support: 'int8', note: '→ CONV_2D' };
  if (typeof cin === 'number' && group === cin && w?.shape) return { support: 'int8', note: '→ DEPTHWISE_CONV_2D' };
  return { support: 'none', note: `grouped Conv (group ${group}, not depthwise) has no TFLM lowering` };
}

export const conv: OpDef = {
  opType: 'Conv',
  tflm: 'int8',
  tflmNote: '→ CONV_2D / DEPTHWISE_CONV_2D (constant weight, 1-D/2-D)',
  tflmFor,
  infer(ctx) {
    checkArity(ctx, 2, 3);
    const { x, w, geo } = geometry(ctx);
    const b = optionalType(ctx, 2);
    const m = w.shape ? w.shape[0] : null;
    if (b && b.shape && (b.shape.length !== 1 || dimsConflict(b.shape[0], m)))
      throw invalidNode(ctx, `Conv bias shape must be [${m}]`);
    return [{ dtype: x.dtype, shape: [x.shape![0], m, ...geo.window.out] }];
  },
  macs(ctx, outputs) {
    const w = ctx.inputs[1];
    const out = outputs[0]?.shape;
    if (!w?.shape || !out) return 0;
    const perOut = dimProduct(w.shape.slice(1));
    const n = dimProduct(out.map((d) => d ?? 1));
    return perOut === null || n === null ? 0 : n * perOut;
  },
  evaluate(ctx, inputs) {
    const [xt, wt, bt] = inputs as (Tensor | undefined)[];
    const x = xt!;
    const w = wt!;
    const { geo } = geometry(ctx);
    const { window: win, group } = geo;
    const [n, c] = x.shape;
    const sp = x.shape.slice(2);
    const m = w.shape[0];
    const cg = c / group;
    const mg = m / group;
    const outSp = win.out as number[];
    const xv = toNumbers(x);
    const wv = toNumbers(w);
    const bv = bt ? toNumbers(bt) : undefined;
    const xs = stridesOf(x.shape);
    const ws = stridesOf(w.shape);
    const nOutSp = shapeSize(outSp);
    const out = new Float64Array(n * m * nOutSp);
    const kernel = win.kernel;
    const nsp = sp.length;
    const pos = new Array<number>(nsp);
    for (let b = 0; b < n; b++) {
      for (let oc = 0; oc < m; oc++) {
        const g = Math.floor(oc / mg);
        forEachIndex(outSp, (o, flat) => {
          let acc = bv ? bv[oc] : 0;
          forEachIndex(kernel, (k) => {
            let off = b * xs[0];
            for (let i = 0; i < nsp; i++) {
              pos[i] = o[i] * win.strides[i] - win.padsBegin![i] + k[i] * win.dilations[i];
              if (pos[i] < 0 || pos[i] >= sp[i]) return;
              off += pos[i] * xs[i + 2];
            }
            let woff = oc * ws[0];
            for (let i = 0; i < nsp; i++) woff += k[i] * ws[i + 2];
            for (let ic = 0; ic < cg; ic++) acc += xv[off + (g * cg + ic) * xs[1]] * wv[woff + ic * ws[1]];
          });
          out[(b * m + oc) * nOutSp + flat] = acc;
        });
      }
    }
    return [fromNumbers(x.dtype, [n, m, ...outSp], out)];
  },
};
