/**
 * Spatial geometry shared by Conv and the pools: ONNX pads/auto_pad resolved to per-dimension
 * (begin, end) pads, then matched to TFLite's SAME or VALID padding when they agree exactly;
 * otherwise the caller inserts an explicit PAD and uses VALID.
 */
import { Node } from '../../../ir/types';
import { Padding } from '../../tfl-graph';
import { unsupported } from '../context';
import { intsAttr, stringAttr } from './attrs';

export interface Geometry {
  /** Spatial input sizes (H, W), a 1-D op viewed as H = 1. */
  input: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Pads before each spatial dim. */
  begin: number[];
  /** Effective pads after each spatial dim: what the output size actually reads (≥ 0). */
  end: number[];
  /** The ONNX output's spatial sizes. */
  output: number[];
  /** The end pads the ONNX node declares (ceil_mode may read beyond them). */
  declaredEnd: number[];
}

const effective = (k: number, d: number) => (k - 1) * d + 1;

/** Reads kernel/strides/dilations/pads for `inSpatial` (1 or 2 dims) and views 1-D as 2-D (H = 1). */
export function readGeometry(node: Node, inSpatial: number[], kernel: number[], outSpatial: number[]): Geometry {
  const n = inSpatial.length;
  if (n !== 1 && n !== 2) throw unsupported(node, `${n}-D spatial ops have no TFLite lowering (1-D and 2-D only)`);
  const strides = intsAttr(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? new Array<number>(n).fill(1);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  let begin: number[];
  let declaredEnd: number[];
  if (autoPad === 'NOTSET') {
    const pads = intsAttr(node, 'pads') ?? new Array<number>(2 * n).fill(0);
    begin = pads.slice(0, n);
    declaredEnd = pads.slice(n, 2 * n);
  } else if (autoPad === 'VALID') {
    begin = new Array<number>(n).fill(0);
    declaredEnd = new Array<number>(n).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    begin = [];
    declaredEnd = [];
    for (let i = 0; i < n; i++) {
      const total = samePadTotal(inSpatial[i], kernel[i], strides[i], dilations[i]);
      const small = Math.floor(total / 2);
      begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      declaredEnd.push(total - begin[i]);
    }
  } else {
    throw unsupported(node, `auto_pad '${autoPad}' is not understood`);
  }
  if (begin.some((p) => p < 0) || declaredEnd.some((p) => p < 0))
    throw unsupported(node, 'negative pads have no TFLite lowering');
  const end = outSpatial.map((o, i) =>
    Math.max(0, (o - 1) * strides[i] + effective(kernel[i], dilations[i]) - inSpatial[i] - begin[i]),
  );
  const g: Geometry = {
    input: [...inSpatial],
    kernel: [...kernel],
    strides,
    dilations,
    begin,
    end,
    output: [...outSpatial],
    declaredEnd,
  };
  return n === 1 ? as2d(g) : g;
}

function as2d(g: Geometry): Geometry {
  return {
    input: [1, ...g.input],
    kernel: [1, ...g.kernel],
    strides: [1, ...g.strides],
    dilations: [1, ...g.dilations],
    begin: [0, ...g.begin],
    end: [0, ...g.end],
    output: [1, ...g.output],
    declaredEnd: [0, ...g.declaredEnd],
  };
}

function samePadTotal(input: number, k: number, s: number, d: number): number {
  const out = Math.ceil(input / s);
  return Math.max(0, (out - 1) * s + effective(k, d) - input);
}

/** The TFLite padding that reproduces the pads exactly, or null when an explicit PAD is needed. */
export function matchPadding(g: Geometry): Padding | null {
  if (g.begin.every((p) => p === 0) && g.end.every((p) => p === 0)) return 'VALID';
  const same = g.input.every((input, i) => {
    const total = samePadTotal(input, g.kernel[i], g.strides[i], g.dilations[i]);
    const b = Math.floor(total / 2);
    return g.begin[i] === b && g.end[i] === total - b && g.output[i] === Math.ceil(input / g.strides[i]);
  });
  return same ? 'SAME' : null;
}

/** Output sizes TFLite computes for `padding` on (possibly explicitly padded) input sizes. */
export function tfliteOutput(input: number[], g: Geometry, padding: Padding): number[] {
  return input.map((x, i) =>
    padding === 'SAME'
      ? Math.ceil(x / g.strides[i])
      : Math.floor((x - effective(g.kernel[i], g.dilations[i])) / g.strides[i]) + 1,
  );
}
