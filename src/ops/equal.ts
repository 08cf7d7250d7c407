import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const equal: OpDef = elementwiseOp('Equal', 2, () => (a, b) => (a === b ? 1 : 0), {
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  outDtype: 'bool',
});
