import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const reciprocal: OpDef = unaryOp('Reciprocal', () => (x) => 1 / x, {
  tflm: 'int8',
  tflmNote: 'of a Sqrt → RSQRT (LayerNorm, int8); otherwise → DIV(1, x), float only',
  floatOnly: true,
});
