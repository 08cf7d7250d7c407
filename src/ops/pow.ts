import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';
import { toNumbers } from '../ir/tensor';

export const pow: OpDef = elementwiseOp('Pow', 2, () => (a, b) => Math.pow(a, b), {
  tflm: 'none',
  tflmNote: 'only Pow by a constant 2 is lowered (→ MUL x·x)',
  mixedTypes: true,
  tflmFor: (ctx) => {
    const e = ctx.consts[1];
    return e && toNumbers(e).every((v) => v === 2)
      ? { support: 'int8', note: '→ MUL (x·x)' }
      : { support: 'none', note: 'Pow by a non-constant or an exponent other than 2 has no int8 TFLM lowering' };
  },
});
