import { OpContext, OpDef, TflmVerdict } from './types';
import { Dim, Tensor } from '../ir/types';
import { stridesOf, toNumbers } from '../ir/tensor';
import { attrFloat, attrInts, attrString } from './support/attrs';
import { normAxes } from './support/axes';
import { checkArity, hasInput, inputType, invalidNode, shapeError, unsupportedForm } from './support/node-check';
import { forEachIndex, fromNumbers, gatherOrFill } from './support/tensor-ops';

const MODES = new Set(['constant', 'reflect', 'edge']);

function modeOf(ctx: OpContext): string {
  const mode = attrString(ctx, 'mode', 'constant');
  if (mode === 'wrap') throw unsupportedForm(ctx, "mode 'wrap' exists only from opset 19; edgelock supports up to 18");
  if (!MODES.has(mode)) throw invalidNode(ctx, `Pad mode '${mode}' is not constant, reflect or edge`);
  return mode;
}

/** Begin/end pads for every axis, or null when the pads (or axes) input is not constant. */
function padsOf(
  ctx: OpContext,
  rank: number,
  consts: (Tensor | undefined)[],
): { begin: number[]; end: number[] } | null {
  let raw: number[];
  let axes = Array.from({ length: rank }, (_, i) => i);
  if (ctx.opset < 11) {
    raw = attrInts(ctx, 'pads') ?? [];
  } else {
    if (!consts[1]) return null;
    raw = toNumbers(consts[1]);
    if (ctx.opset >= 18 && hasInput(ctx, 3)) {
      if (!consts[3]) return null;
      axes = normAxes(ctx, toNumbers(consts[3]), rank);
    }
  }
  if (raw.length !== 2 * axes.length)
    throw invalidNode(ctx, `Pad has ${raw.length} pads for ${axes.length} axes (needs ${2 * axes.length})`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = raw[i];
    end[a] = raw[i + axes.length];
  });
  return { begin, end };
}

function fillValue(ctx: OpContext, x: Tensor, consts: (Tensor | undefined)[]): Tensor {
  if (ctx.opset < 11) return fromNumbers(x.dtype, [1], [attrFloat(ctx, 'value', 0)]);
  const v = hasInput(ctx, 2) ? consts[2] : undefined;
  if (v && v.data.length !== 1) throw invalidNode(ctx, 'Pad constant_value must be a scalar');
  return v ?? fromNumbers(x.dtype, [1], [0]);
}

function tflmFor(ctx: OpContext): TflmVerdict {
  if (attrString(ctx, 'mode', 'constant') !== 'constant')
    return { support: 'none', note: 'reflect/edge Pad has no int8 lowering in edgelock' };
  if (!ctx.consts[1]) return { support: 'none', note: 'Pad with non-constant pads has no TFLM lowering' };
  return { support: 'int8', note: '→ PAD / PADV2' };
}

export const pad: OpDef = {
  opType: 'Pad',
  tflm: 'int8',
  tflmNote: '→ PAD / PADV2 (constant mode, constant pads)',
  tflmFor,
  infer(ctx) {
    checkArity(ctx, ctx.opset >= 11 ? 2 : 1, ctx.opset >= 18 ? 4 : ctx.opset >= 11 ? 3 : 1);
    const x = inputType(ctx, 0);
    const mode = modeOf(ctx);
    if (ctx.opset >= 11 && inputType(ctx, 1).dtype !== 'int64') throw invalidNode(ctx, 'Pad pads must be int64');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const p = padsOf(ctx, x.shape.length, ctx.consts);
    if (!p) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
    const out: Dim[] = x.shape.map((d, i) => {
      if (p.begin[i] === 0 && p.end[i] === 0) return d;
      if (typeof d !== 'number') return null;
      const n = d + p.begin[i] + p.end[i];
      if (n < 0) throw shapeError(ctx, `Pad crops axis ${i} (size ${d}) below zero`);
      if (mode === 'reflect' && (p.begin[i] >= d || p.end[i] >= d))
        throw shapeError(ctx, `reflect Pad of ${Math.max(p.begin[i], p.end[i])} needs an axis longer than ${d}`);
      return n;
    });
    return [{ dtype: x.dtype, shape: out }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const mode = modeOf(ctx);
    const p = padsOf(ctx, x.shape.length, inputs)!;
    const outShape = x.shape.map((d, i) => d + p.begin[i] + p.end[i]);
    const strides = stridesOf(x.shape);
    const map: number[] = [];
    forEachIndex(outShape, (o) => {
      let off = 0;
      for (let i = 0; i < o.length; i++) {
        const n = x.shape[i];
        let c = o[i] - p.begin[i];
        if (c < 0 || c >= n) {
          if (mode === 'constant') {
            off = -1;
            break;
          }
          if (mode === 'edge') c = Math.min(Math.max(c, 0), n - 1);
          else {
            const period = 2 * (n - 1);
            c = period === 0 ? 0 : ((c % period) + period) % period;
            if (c >= n) c = period - c;
          }
        }
        off += c * strides[i];
      }
      map.push(off);
    });
    return [gatherOrFill(x, outShape, map, fillValue(ctx, x, inputs))];
  },
};
