import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const relu: OpDef = unaryOp('Relu', () => (x) => (x > 0 ? x : 0), {
  tflm: 'int8',
  tflmNote: '→ RELU (or fused into the producer)',
  floatOnlyBefore: 14,
});
