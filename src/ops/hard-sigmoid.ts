import { OpDef } from './types';
import { unaryOp } from './support/elementwise';
import { attrFloat } from './support/attrs';

export const hardSigmoid: OpDef = unaryOp(
  'HardSigmoid',
  (ctx) => {
    const alpha = Math.fround(attrFloat(ctx, 'alpha', 0.2));
    const beta = Math.fround(attrFloat(ctx, 'beta', 0.5));
    return (x) => Math.max(0, Math.min(1, alpha * x + beta));
  },
  {
    tflm: 'int8',
    tflmNote:
      '× its input with α = 1/6, β = 0.5 → HARD_SWISH; otherwise → MUL, ADD+RELU6, MUL (any α, β; analytic int8 ranges)',
    floatOnly: true,
  },
);
