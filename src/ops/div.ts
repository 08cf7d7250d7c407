import { OpDef } from './types';
import { divide, elementwiseOp } from './support/elementwise';
import { hasInput } from './support/node-check';

export const div: OpDef = elementwiseOp('Div', 2, (ctx, dtype) => divide(ctx, dtype), {
  tflm: 'none',
  tflmNote: 'only division by a constant is lowered (→ MUL by the reciprocal)',
  tflmFor: (ctx) =>
    hasInput(ctx, 1) && ctx.consts[1]
      ? { support: 'int8', note: '→ MUL by the constant reciprocal' }
      : { support: 'none', note: 'division by a non-constant tensor has no int8 TFLM lowering' },
});
