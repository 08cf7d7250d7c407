import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const hardSwish: OpDef = unaryOp('HardSwish', () => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)), {
  tflm: 'int8',
  tflmNote: '→ HARD_SWISH',
  floatOnly: true,
});
