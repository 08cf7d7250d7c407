import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const sub: OpDef = elementwiseOp('Sub', 2, () => (a, b) => a - b, { tflm: 'int8', tflmNote: '→ SUB' });
