import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const max: OpDef = elementwiseOp('Max', Infinity, () => (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), {
  tflm: 'int8',
  tflmNote: '→ MAXIMUM (two inputs)',
});
