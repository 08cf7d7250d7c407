import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const log: OpDef = unaryOp('Log', () => Math.log, {
  tflm: 'none',
  tflmNote: 'no int8 lowering in edgelock',
  floatOnly: true,
});
