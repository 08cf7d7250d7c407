import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const add: OpDef = elementwiseOp('Add', 2, () => (a, b) => a + b, { tflm: 'int8', tflmNote: '→ ADD' });
