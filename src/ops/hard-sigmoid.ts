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
  { tflm: 'none', tflmNote: 'no int8 lowering in edgelock (HardSwish is lowered when exported as one op)', floatOnly: true },
);
