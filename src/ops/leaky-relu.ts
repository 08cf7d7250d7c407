import { OpDef } from './types';
import { unaryOp } from './support/elementwise';
import { attrFloat } from './support/attrs';

export const leakyRelu: OpDef = unaryOp(
  'LeakyRelu',
  (ctx) => {
    const alpha = Math.fround(attrFloat(ctx, 'alpha', 0.01));
    return (x) => (x >= 0 ? x : x * alpha);
  },
  { tflm: 'int8', tflmNote: '→ LEAKY_RELU', floatOnly: true },
);
