import { OpDef } from './types';
import { reduceOp } from './support/reduce';

export const reduceSum: OpDef = reduceOp(
  'ReduceSum',
  13,
  { init: 0, step: (a, v) => a + v, finish: (a) => a },
  'none',
  'no int8 lowering in edgelock',
);
