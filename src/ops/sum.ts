import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const sum: OpDef = elementwiseOp('Sum', Infinity, () => (a, b) => a + b, {
  tflm: 'none',
  tflmNote: 'no int8 lowering in edgelock (rewrite as Add)',
  floatOnly: true,
});
