/**
 * Resize (4-D, spatial axes only) → RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR on NHWC. ONNX's
 * coordinate transformation decides TFLite's two flags:
 * - linear: asymmetric → neither; align_corners → align_corners; half_pixel (and
 *   pytorch_half_pixel with outputs larger than 1) → half_pixel_centers.
 * - nearest: asymmetric + floor → neither; align_corners + round_prefer_ceil → align_corners
 *   (TFLite rounds half away from zero); tf_half_pixel_for_nn + floor, or half_pixel /
 *   pytorch_half_pixel + round_prefer_floor at an integer upscale → half_pixel_centers.
 * Anything else has no TFLite equivalent and is refused naming the node.
 */
import { Node } from '../../../ir/types';
import { channelsLast, permute } from '../../layout';
import { LowerContext, unsupported } from '../context';

function attr(node: Node, name: string, dflt: string): string {
  const a = node.attrs[name];
  return a && a.kind === 'string' ? a.value : dflt;
}

function flags(
  node: Node,
  mode: string,
  ct: string,
  nm: string,
  inHW: number[],
  outHW: number[],
): { alignCorners: boolean; halfPixelCenters: boolean } | string {
  const integerUpscale = outHW.every((o, i) => o >= inHW[i] && o % inHW[i] === 0);
  const halfPixel = ct === 'half_pixel' || (ct === 'pytorch_half_pixel' && outHW.every((o) => o > 1));
  if (mode === 'linear') {
    if (ct === 'asymmetric') return { alignCorners: false, halfPixelCenters: false };
    if (ct === 'align_corners') return { alignCorners: true, halfPixelCenters: false };
    if (halfPixel) return { alignCorners: false, halfPixelCenters: true };
    return `linear with coordinate_transformation_mode '${ct}' has no TFLite equivalent`;
  }
  if (ct === 'asymmetric' && nm === 'floor') return { alignCorners: false, halfPixelCenters: false };
  if (ct === 'align_corners' && nm === 'round_prefer_ceil') return { alignCorners: true, halfPixelCenters: false };
  if (ct === 'tf_half_pixel_for_nn' && nm === 'floor') return { alignCorners: false, halfPixelCenters: true };
  if (halfPixel && nm === 'round_prefer_floor' && integerUpscale)
    return { alignCorners: false, halfPixelCenters: true };
  return (
    `nearest with coordinate_transformation_mode '${ct}' and nearest_mode '${nm}' has no TFLite ` +
    `equivalent${halfPixel ? ' (except at integer upscales)' : ''}`
  );
}

export function lowerResize(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const outLogical = ctx.shapeOf(node.outputs[0]);
  if (x.logical.length !== 4)
    throw unsupported(node, `input of rank ${x.logical.length}; only 4-D (NCHW) Resize has a TFLite lowering`);
  if (outLogical[0] !== x.logical[0] || outLogical[1] !== x.logical[1])
    throw unsupported(node, 'only the spatial axes (H, W) may be resized');
  const mode = attr(node, 'mode', 'nearest');
  const f = flags(
    node,
    mode,
    attr(node, 'coordinate_transformation_mode', 'half_pixel'),
    attr(node, 'nearest_mode', 'round_prefer_floor'),
    x.logical.slice(2),
    outLogical.slice(2),
  );
  if (typeof f === 'string') throw unsupported(node, f);
  const P = channelsLast(4);
  const input = ctx.request(x, P, node);
  const size = ctx.addInt32(`${node.name}/size`, outLogical.slice(2));
  const out = ctx.addAct(node.outputs[0], permute(outLogical, P), node.outputs[0]);
  const op = mode === 'nearest' ? 'RESIZE_NEAREST_NEIGHBOR' : 'RESIZE_BILINEAR';
  ctx.emit(
    op,
    { kind: mode === 'nearest' ? 'ResizeNearestNeighbor' : 'ResizeBilinear', ...f },
    [input, size],
    [out],
    node,
  );
  ctx.defineAct(node.outputs[0], out, outLogical, { dims: [...outLogical], perm: [...P] });
}
