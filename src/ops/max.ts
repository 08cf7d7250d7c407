import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const max: OpDef = elementwiseOp(
  'Max',
  Infinity,
  () => (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  {
    tflm: 'int8',
    tflmNote: '→ MAXIMUM (two inputs)',
    tflmFor: (ctx) =>
      ctx.node.inputs.length === 2
        ? { support: 'int8', note: '→ MAXIMUM' }
        : { support: 'none', note: `MAXIMUM takes two inputs, node has ${ctx.node.inputs.length}` },
  },
);
