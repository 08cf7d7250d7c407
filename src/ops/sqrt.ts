import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const sqrt: OpDef = unaryOp('Sqrt', () => Math.sqrt, { tflm: 'none', tflmNote: 'no int8 SQRT in TFLM', floatOnly: true });
