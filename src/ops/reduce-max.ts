import { OpDef } from './types';
import { reduceOp } from './support/reduce';

export const reduceMax: OpDef = reduceOp(
  'ReduceMax',
  18,
  { init: -Infinity, step: (a, v) => (Number.isNaN(v) || v > a ? v : a), finish: (a) => a },
  'none',
  'no int8 lowering in edgelock (TFLM has REDUCE_MAX, the back end does not emit it)',
);
