import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const mul: OpDef = elementwiseOp('Mul', 2, () => (a, b) => a * b, { tflm: 'int8', tflmNote: '→ MUL' });
