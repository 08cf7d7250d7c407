import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const neg: OpDef = unaryOp('Neg', () => (x) => -x, {
  tflm: 'none',
  tflmNote: 'no int8 lowering in edgelock (folded when constant)',
});
