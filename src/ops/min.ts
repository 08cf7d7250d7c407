import { OpDef } from './types';
import { elementwiseOp } from './support/elementwise';

export const min: OpDef = elementwiseOp(
  'Min',
  Infinity,
  () => (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  {
    tflm: 'int8',
    tflmNote: '→ MINIMUM (two inputs)',
    tflmFor: (ctx) =>
      ctx.node.inputs.length === 2
        ? { support: 'int8', note: '→ MINIMUM' }
        : { support: 'none', note: `MINIMUM takes two inputs, node has ${ctx.node.inputs.length}` },
  },
);
