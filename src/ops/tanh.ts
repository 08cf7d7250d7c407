import { OpDef } from './types';
import { unaryOp } from './support/elementwise';

export const tanh: OpDef = unaryOp('Tanh', () => Math.tanh, { tflm: 'int8', tflmNote: '→ TANH', floatOnly: true });
