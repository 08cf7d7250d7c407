import { OpDef } from './types';
import { divide, elementwiseOp } from './support/elementwise';
import { hasInput } from './support/node-check';

export const div: OpDef = elementwiseOp('Div', 2, (ctx, dtype) => divide(ctx, dtype), {
  tflm: 'int8',
  tflmNote:
    'constant divisor → MUL by its reciprocal; Sqrt divisor → MUL by RSQRT (LayerNorm); other tensor divisors → DIV, float only',
  tflmFor: (ctx) =>
    hasInput(ctx, 1) && ctx.consts[1]
      ? { support: 'int8', note: '→ MUL by the constant reciprocal' }
      : {
          support: 'none',
          note: 'division by a tensor: int8 only when the divisor is a Sqrt (→ RSQRT + MUL); otherwise DIV, float only',
        },
});
