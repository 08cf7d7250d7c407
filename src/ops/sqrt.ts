import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const sqrt: OpDef = unaryOp('Sqrt', () => Math.sqrt, {
  tflm: 'int8',
  tflmNote: 'feeding only Div divisors / Reciprocal → RSQRT (LayerNorm, int8); otherwise → SQRT, float only',
  floatOnly: true,
});
