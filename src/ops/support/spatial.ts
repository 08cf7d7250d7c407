import { Dim } from '../../ir/types';
import { OpContext } from '../types';
import { attrInts, attrString } from './attrs';
import { invalidNode, unsupportedForm } from './node-check';

/** Resolved window geometry of a Conv or pooling node along its spatial axes. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Per-axis padding; null when it depends on a dimension that is not static (auto_pad SAME). */
  padsBegin: number[] | null;
  padsEnd: number[] | null;
  out: Dim[];
}

const AUTO_PADS = new Set(['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']);

/**
 * Output spatial dims and pads following onnxruntime's rules (the reference the tests hold edgelock to).
 * `kind` matters for auto_pad SAME: Conv pads for the dilated kernel, pools (as in onnxruntime) for the plain kernel.
 */
export function resolveWindow(
  ctx: OpContext,
  inSpatial: Dim[],
  kernel: number[],
  kind: 'conv' | 'pool',
  ceilMode: boolean,
): Window {
  const n = inSpatial.length;
  if (kernel.length !== n)
    throw invalidNode(ctx, `kernel_shape has ${kernel.length} dims, input has ${n} spatial dims`);
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) throw invalidNode(ctx, `kernel_shape [${kernel}] is invalid`);
  const strides = attrInts(ctx, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(ctx, 'dilations') ?? new Array<number>(n).fill(1);
  if (strides.length !== n || strides.some((s) => s < 1))
    throw invalidNode(ctx, `strides [${strides}] are invalid for ${n} spatial dims`);
  if (dilations.length !== n || dilations.some((s) => s < 1))
    throw invalidNode(ctx, `dilations [${dilations}] are invalid for ${n} spatial dims`);
  const autoPad = attrString(ctx, 'auto_pad', 'NOTSET');
  if (!AUTO_PADS.has(autoPad))
    throw invalidNode(ctx, `auto_pad '${autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  const outSize = (len: number, pad: number, i: number, padBegin: number): number => {
    const span = len + pad - dilations[i] * (kernel[i] - 1) - 1;
    if (!ceilMode) return Math.floor(span / strides[i]) + 1;
    // ceil_mode: a last window that would start beyond the input (in the end padding) is dropped.
    const o = Math.ceil(span / strides[i]) + 1;
    return (o - 1) * strides[i] >= len + padBegin ? o - 1 : o;
  };
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const out: Dim[] = [];
  let padsKnown = true;
  if (autoPad === 'NOTSET') {
    const pads = attrInts(ctx, 'pads') ?? new Array<number>(2 * n).fill(0);
    if (pads.length !== 2 * n || pads.some((p) => p < 0))
      throw invalidNode(ctx, `pads [${pads}] are invalid for ${n} spatial dims`);
    for (let i = 0; i < n; i++) {
      padsBegin.push(pads[i]);
      padsEnd.push(pads[i + n]);
      const d = inSpatial[i];
      out.push(typeof d === 'number' ? outSize(d, pads[i] + pads[i + n], i, pads[i]) : null);
    }
  } else if (autoPad === 'VALID') {
    for (let i = 0; i < n; i++) {
      padsBegin.push(0);
      padsEnd.push(0);
      const d = inSpatial[i];
      out.push(typeof d === 'number' ? outSize(d, 0, i, 0) : null);
    }
  } else {
    if (kind === 'conv' && dilations.some((x) => x !== 1)) {
      throw unsupportedForm(
        ctx,
        `with auto_pad ${autoPad} and dilations is not supported (onnxruntime rejects it too); use explicit pads`,
      );
    }
    for (let i = 0; i < n; i++) {
      const d = inSpatial[i];
      if (typeof d !== 'number') {
        padsKnown = false;
        out.push(strides[i] === 1 && kind === 'conv' ? d : null);
        continue;
      }
      const target = Math.ceil(d / strides[i]);
      const k = kind === 'conv' ? dilations[i] * (kernel[i] - 1) + 1 : kernel[i];
      const needed = Math.max(0, (target - 1) * strides[i] + k - d);
      const head = autoPad === 'SAME_UPPER' ? Math.floor(needed / 2) : Math.ceil(needed / 2);
      padsBegin.push(head);
      padsEnd.push(needed - head);
      out.push(outSize(d, needed, i, head));
    }
  }
  for (const o of out) {
    if (typeof o === 'number' && o < 1)
      throw invalidNode(ctx, `the window does not fit the input: output spatial size ${o}`);
  }
  return {
    kernel,
    strides,
    dilations,
    padsBegin: padsKnown ? padsBegin : null,
    padsEnd: padsKnown ? padsEnd : null,
    out,
  };
}
