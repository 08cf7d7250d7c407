import { OpContext, OpDef } from './types';
import { Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrInt, attrInts, attrString } from './support/attrs';
import { checkArity, inputType, invalidNode, requireFloat, unsupportedForm } from './support/node-check';
import { fromNumbers } from './support/tensor-ops';

/**
 * ConvTranspose, 2-D, group 1, explicit pads (auto_pad NOTSET, no output_shape attribute: what
 * PyTorch exports). Output size per spatial axis: s·(in − 1) + output_padding + (k − 1)·d + 1 − pads.
 */
export interface TransposeGeometry {
  cin: number;
  cout: number;
  input: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  outputPadding: number[];
  output: number[];
}

export function transposeGeometry(ctx: OpContext, xShape: number[], wShape: number[]): TransposeGeometry {
  if (xShape.length !== 4) throw unsupportedForm(ctx, `of rank ${xShape.length} is not supported (2-D only)`);
  if (attrInt(ctx, 'group', 1) !== 1) throw unsupportedForm(ctx, 'with group > 1 is not supported');
  if (attrString(ctx, 'auto_pad', 'NOTSET') !== 'NOTSET')
    throw unsupportedForm(ctx, 'with auto_pad is not supported (explicit pads are)');
  if (ctx.node.attrs.output_shape)
    throw unsupportedForm(ctx, 'with an output_shape attribute is not supported (pads and output_padding are)');
  const [, cin, h, w] = xShape;
  if (wShape.length !== 4 || wShape[0] !== cin)
    throw invalidNode(ctx, `ConvTranspose weight [${wShape}] does not fit ${cin} input channels`);
  const kernel = attrInts(ctx, 'kernel_shape') ?? wShape.slice(2);
  const strides = attrInts(ctx, 'strides') ?? [1, 1];
  const dilations = attrInts(ctx, 'dilations') ?? [1, 1];
  const pads = attrInts(ctx, 'pads') ?? [0, 0, 0, 0];
  const outputPadding = attrInts(ctx, 'output_padding') ?? [0, 0];
  const input = [h, w];
  const output = input.map(
    (n, i) => strides[i] * (n - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + 2],
  );
  if (output.some((d) => d < 1)) throw invalidNode(ctx, `ConvTranspose output size [${output}] is empty`);
  return {
    cin,
    cout: wShape[1],
    input,
    kernel,
    strides,
    dilations,
    padsBegin: pads.slice(0, 2),
    padsEnd: pads.slice(2),
    outputPadding,
    output,
  };
}

export const convTranspose: OpDef = {
  opType: 'ConvTranspose',
  tflm: 'int8',
  tflmNote: '→ TRANSPOSE_CONV (constant weights, 2-D, group 1, dilation 1; int8 weights per output channel)',
  tflmFor(ctx) {
    const dilated = (attrInts(ctx, 'dilations') ?? [1, 1]).some((d) => d !== 1);
    return dilated
      ? { support: 'none', note: 'dilated ConvTranspose has no TFLite lowering' }
      : { support: 'int8', note: this.tflmNote };
  },
  infer(ctx) {
    checkArity(ctx, 2, 3);
    const x = inputType(ctx, 0);
    const w = inputType(ctx, 1);
    requireFloat(ctx, x, 'input');
    if (!x.shape || !w.shape || ![...x.shape.slice(1), ...w.shape].every((d) => typeof d === 'number')) {
      return [{ dtype: x.dtype, shape: x.shape ? [x.shape[0], w.shape?.[1] ?? null, null, null] : null }];
    }
    const g = transposeGeometry(
      ctx,
      x.shape.map((d) => (typeof d === 'number' ? d : 1)),
      w.shape as number[],
    );
    return [{ dtype: x.dtype, shape: [x.shape[0], g.cout, ...g.output] }];
  },
  macs(ctx, outputs) {
    const x = ctx.inputs[0]?.shape;
    const w = ctx.inputs[1]?.shape;
    if (!x || !w || !outputs[0]?.shape || ![...x, ...w].every((d) => typeof d === 'number')) return 0;
    return (x as number[]).reduce((a, b) => a * b, 1) * (w as number[]).slice(1).reduce((a, b) => a * b, 1);
  },
  evaluate(ctx, inputs) {
    const [x, w, b] = inputs as (Tensor | undefined)[];
    const g = transposeGeometry(ctx, x!.shape, w!.shape);
    const [n] = x!.shape;
    const [oh, ow] = g.output;
    const xv = toNumbers(x!);
    const wv = toNumbers(w!);
    const bv = b ? toNumbers(b) : undefined;
    const out = new Float64Array(n * g.cout * oh * ow);
    const [kh, kw] = g.kernel;
    const [ih, iw] = g.input;
    for (let ni = 0; ni < n; ni++) {
      for (let co = 0; co < g.cout; co++) {
        const base = (ni * g.cout + co) * oh * ow;
        if (bv) for (let i = 0; i < oh * ow; i++) out[base + i] = bv[co];
        for (let ci = 0; ci < g.cin; ci++) {
          for (let y = 0; y < ih; y++) {
            for (let xx = 0; xx < iw; xx++) {
              const v = xv[((ni * g.cin + ci) * ih + y) * iw + xx];
              for (let a = 0; a < kh; a++) {
                const oy = y * g.strides[0] - g.padsBegin[0] + a * g.dilations[0];
                if (oy < 0 || oy >= oh) continue;
                for (let c = 0; c < kw; c++) {
                  const ox = xx * g.strides[1] - g.padsBegin[1] + c * g.dilations[1];
                  if (ox < 0 || ox >= ow) continue;
                  out[base + oy * ow + ox] += v * wv[((ci * g.cout + co) * kh + a) * kw + c];
                }
              }
            }
          }
        }
      }
    }
    return [fromNumbers(x!.dtype, [n, g.cout, oh, ow], out)];
  },
};
