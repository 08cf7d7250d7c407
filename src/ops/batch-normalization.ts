import { OpContext, OpDef } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { attrFloat, attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode, requireFloat, unsupportedForm } from './support/node-check';
import { dimsConflict } from './support/shape';
import { fromNumbers } from './support/tensor-ops';

function checkInference(ctx: OpContext): void {
  if (ctx.node.outputs.slice(1).some((o) => o !== '')) {
    throw unsupportedForm(
      ctx,
      'in training form (running mean/var outputs) is not supported; export the model in eval mode',
    );
  }
  if (ctx.opset >= 14 && attrInt(ctx, 'training_mode', 0) !== 0)
    throw unsupportedForm(ctx, 'with training_mode=1 is not supported');
}

export const batchNormalization: OpDef = {
  opType: 'BatchNormalization',
  tflm: 'folded',
  tflmNote: 'folded into the preceding Conv/Gemm (or into a Mul+Add)',
  infer(ctx) {
    checkArity(ctx, 5, 5, 1, 5);
    checkInference(ctx);
    const x = inputType(ctx, 0);
    requireFloat(ctx, x, 'input');
    const c = x.shape ? (x.shape[1] ?? null) : null;
    for (let i = 1; i < 5; i++) {
      const t = inputType(ctx, i);
      if (t.shape && (t.shape.length !== 1 || dimsConflict(t.shape[0], c))) {
        throw invalidNode(ctx, `BatchNormalization input ${i} must have shape [${c}], got [${t.shape}]`);
      }
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(ctx, inputs) {
    checkInference(ctx);
    const [x, scale, bias, mean, variance] = inputs as Tensor[];
    const eps = Math.fround(attrFloat(ctx, 'epsilon', 1e-5));
    const [n, c] = x.shape;
    const inner = shapeSize(x.shape.slice(2));
    const xv = toNumbers(x);
    const [s, b, m, v] = [scale, bias, mean, variance].map(toNumbers);
    const out = new Float64Array(xv.length);
    for (let bi = 0; bi < n; bi++) {
      for (let ci = 0; ci < c; ci++) {
        const k = s[ci] / Math.sqrt(v[ci] + eps);
        const base = (bi * c + ci) * inner;
        for (let i = 0; i < inner; i++) out[base + i] = (xv[base + i] - m[ci]) * k + b[ci];
      }
    }
    return [fromNumbers(x.dtype, x.shape, out)];
  },
};
