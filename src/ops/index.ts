export { OP_TABLE, getOpDef, supportedOps } from './registry';
export type { OpDef, OpContext, ValueType, TflmSupport, TflmVerdict } from './types';
