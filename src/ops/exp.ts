import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const exp: OpDef = unaryOp('Exp', () => Math.exp, {
  tflm: 'none',
  tflmNote: 'no int8 lowering in edgelock',
  floatOnly: true,
});
