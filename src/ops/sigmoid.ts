import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const sigmoid: OpDef = unaryOp('Sigmoid', () => (x) => 1 / (1 + Math.exp(-x)), {
  tflm: 'int8',
  tflmNote: '→ LOGISTIC',
  floatOnly: true,
});
