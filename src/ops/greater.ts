import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const greater: OpDef = elementwiseOp('Greater', 2, () => (a, b) => (a > b ? 1 : 0), {
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant (e.g. the condition of an If)',
  outDtype: 'bool',
});
