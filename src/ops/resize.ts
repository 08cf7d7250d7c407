import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { fromNumbers } from './support/tensor-ops';
import { attrInt, attrString } from './support/attrs';
import { checkArity, hasInput, inputType, invalidNode, requireFloat, unsupportedForm } from './support/node-check';

/**
 * Resize (opset 11-18; Upsample and opset-10 Resize are rewritten into it on import). Output size
 * from the constant `sizes`, else floor(input × `scales`). Modes nearest and linear; cubic, an
 * `axes` or `keep_aspect_ratio_policy` (opset 18) and antialiasing are refused.
 */
const MODES = new Set(['nearest', 'linear']);

function outputShape(ctx: OpContext, shape: Dim[]): Dim[] {
  const sizes = hasInput(ctx, 3) ? ctx.consts[3] : undefined;
  if (hasInput(ctx, 3)) {
    if (!sizes) return shape.map(() => null);
    const s = toNumbers(sizes);
    if (s.length !== shape.length)
      throw invalidNode(ctx, `Resize sizes has ${s.length} values for a rank-${shape.length} input`);
    return s;
  }
  if (!hasInput(ctx, 2)) throw invalidNode(ctx, 'Resize needs scales or sizes');
  const scales = ctx.consts[2];
  if (!scales) return shape.map(() => null);
  const s = toNumbers(scales);
  if (s.length !== shape.length)
    throw invalidNode(ctx, `Resize scales has ${s.length} values for a rank-${shape.length} input`);
  return shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * s[i]) : s[i] === 1 ? d : null));
}

/** Where output index `x` of an axis of `outLen` (from `inLen`, scale `scale`) samples the input. */
export function sourceCoordinate(mode: string, x: number, scale: number, inLen: number, outLen: number): number {
  switch (mode) {
    case 'asymmetric':
      return x / scale;
    case 'align_corners':
      return outLen === 1 ? 0 : (x * (inLen - 1)) / (outLen - 1);
    case 'pytorch_half_pixel':
      return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    default:
      return (x + 0.5) / scale - 0.5;
  }
}

/** The input index nearest mode `mode` picks for source coordinate `c`, clamped to the axis. */
export function nearestIndex(mode: string, c: number, inLen: number): number {
  let i: number;
  if (mode === 'floor') i = Math.floor(c);
  else if (mode === 'ceil') i = Math.ceil(c);
  else if (mode === 'round_prefer_ceil') i = Math.round(c);
  else i = c - Math.floor(c) === 0.5 ? Math.floor(c) : Math.round(c);
  return Math.min(Math.max(i, 0), inLen - 1);
}

/** Per axis: (input index, weight) pairs for each output index. */
function axisTaps(ctx: OpContext, inLen: number, outLen: number, scale: number): [number, number][][] {
  const mode = attrString(ctx, 'mode', 'nearest');
  const ct = attrString(ctx, 'coordinate_transformation_mode', 'half_pixel');
  const nm = attrString(ctx, 'nearest_mode', 'round_prefer_floor');
  const taps: [number, number][][] = [];
  for (let x = 0; x < outLen; x++) {
    const c = sourceCoordinate(ct, x, scale, inLen, outLen);
    if (mode === 'nearest') {
      taps.push([[nearestIndex(nm, c, inLen), 1]]);
      continue;
    }
    const cc = Math.min(Math.max(c, 0), inLen - 1);
    const x0 = Math.floor(cc);
    const x1 = Math.min(x0 + 1, inLen - 1);
    const f = cc - x0;
    taps.push(
      x0 === x1 || f === 0
        ? [[x0, 1]]
        : [
            [x0, 1 - f],
            [x1, f],
          ],
    );
  }
  return taps;
}

function evaluate(ctx: OpContext, inputs: (Tensor | undefined)[]): Tensor[] {
  const x = inputs[0]!;
  const inShape = x.shape;
  const outShape = outputShape(ctx, inShape) as number[];
  const scales =
    hasInput(ctx, 2) && inputs[2] && shapeSize(inputs[2].shape) > 0
      ? toNumbers(inputs[2])
      : outShape.map((d, i) => d / inShape[i]);
  const taps = inShape.map((d, i) => axisTaps(ctx, d, outShape[i], scales[i]));
  const xv = toNumbers(x);
  const strides = inShape.map((_, i) => shapeSize(inShape.slice(i + 1)));
  const out = new Float64Array(shapeSize(outShape));
  const idx = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let combos: [number, number][] = [[0, 1]];
    for (let a = 0; a < idx.length; a++) {
      const next: [number, number][] = [];
      for (const [off, wt] of combos) for (const [i, w] of taps[a][idx[a]]) next.push([off + i * strides[a], wt * w]);
      combos = next;
    }
    let v = 0;
    for (const [off, wt] of combos) v += xv[off] * wt;
    out[o] = v;
    for (let a = idx.length - 1; a >= 0; a--) {
      if (++idx[a] < outShape[a]) break;
      idx[a] = 0;
    }
  }
  return [fromNumbers(x.dtype, outShape, out)];
}

export const resize: OpDef = {
  opType: 'Resize',
  tflm: 'int8',
  tflmNote:
    '→ RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (4-D, spatial axes; coordinate modes with a TFLite equivalent)',
  infer(ctx) {
    checkArity(ctx, 1, 4);
    const x = inputType(ctx, 0);
    requireFloat(ctx, x, 'input');
    const mode = attrString(ctx, 'mode', 'nearest');
    if (!MODES.has(mode)) throw unsupportedForm(ctx, `mode '${mode}' is not supported (nearest and linear are)`);
    if (attrInt(ctx, 'antialias', 0) !== 0) throw unsupportedForm(ctx, 'with antialias=1 is not supported');
    if (ctx.node.attrs.axes) throw unsupportedForm(ctx, 'with an axes attribute is not supported');
    if (attrString(ctx, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch')
      throw unsupportedForm(ctx, "keep_aspect_ratio_policy other than 'stretch' is not supported");
    if (attrString(ctx, 'coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize') {
      throw unsupportedForm(ctx, "coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
    }
    return [{ dtype: x.dtype, shape: x.shape ? outputShape(ctx, x.shape) : null }];
  },
  evaluate,
};
