/**
 * The one table of operators edgelock understands (default ONNX domain, opsets 11-18).
 * An op is supported exactly when it has an entry here; shape inference rejects anything else.
 *
 * MACs convention (`OpDef.macs`): multiply-accumulates of the compute-bound ops only — Conv
 * (output elements × Cin/group × kernel elements), Gemm and MatMul (batch × M × N × K). Elementwise,
 * pooling, normalisation and data-movement ops count 0, as MLPerf Tiny and TFLM profilers report MACs.
 *
 * To add an op: write src/ops/<op>.ts exporting an OpDef, add it to OPS below, and add cases to
 * test/ops/ops.test.ts (checked against onnxruntime).
 */
import { OpDef } from './types';
import { add } from './add';
import { averagePool } from './average-pool';
import { batchNormalization } from './batch-normalization';
import { cast } from './cast';
import { clip } from './clip';
import { concat } from './concat';
import { constantOfShape } from './constant-of-shape';
import { constant } from './constant';
import { conv } from './conv';
import { convTranspose } from './conv-transpose';
import { div } from './div';
import { dropout } from './dropout';
import { equal } from './equal';
import { greater } from './greater';
import { ifOp } from './if';
import { less } from './less';
import { erf } from './erf';
import { exp } from './exp';
import { expand } from './expand';
import { flatten } from './flatten';
import { gather } from './gather';
import { gemm } from './gemm';
import { globalAveragePool } from './global-average-pool';
import { hardSigmoid } from './hard-sigmoid';
import { hardSwish } from './hard-swish';
import { identity } from './identity';
import { layerNormalization } from './layer-normalization';
import { leakyRelu } from './leaky-relu';
import { log } from './log';
import { matMul } from './mat-mul';
import { maxPool } from './max-pool';
import { max } from './max';
import { min } from './min';
import { mul } from './mul';
import { neg } from './neg';
import { pad } from './pad';
import { pow } from './pow';
import { range } from './range';
import { reciprocal } from './reciprocal';
import { reduceMax } from './reduce-max';
import { reduceMean } from './reduce-mean';
import { reduceSum } from './reduce-sum';
import { relu } from './relu';
import { reshape } from './reshape';
import { resize } from './resize';
import { shape } from './shape';
import { sigmoid } from './sigmoid';
import { slice } from './slice';
import { softmax } from './softmax';
import { split } from './split';
import { sqrt } from './sqrt';
import { squeeze } from './squeeze';
import { sub } from './sub';
import { sum } from './sum';
import { tanh } from './tanh';
import { transpose } from './transpose';
import { unsqueeze } from './unsqueeze';
import { where } from './where';

const OPS: readonly OpDef[] = [
  add,
  averagePool,
  batchNormalization,
  cast,
  clip,
  concat,
  constantOfShape,
  constant,
  conv,
  convTranspose,
  div,
  dropout,
  equal,
  erf,
  exp,
  expand,
  flatten,
  gather,
  gemm,
  greater,
  less,
  globalAveragePool,
  hardSigmoid,
  hardSwish,
  identity,
  layerNormalization,
  leakyRelu,
  log,
  matMul,
  maxPool,
  max,
  min,
  mul,
  neg,
  pad,
  pow,
  range,
  reciprocal,
  reduceMax,
  reduceMean,
  reduceSum,
  relu,
  reshape,
  resize,
  shape,
  sigmoid,
  slice,
  softmax,
  split,
  sqrt,
  squeeze,
  sub,
  sum,
  tanh,
  transpose,
  unsqueeze,
  where,
];

export const OP_TABLE: ReadonlyMap<string, OpDef> = new Map(OPS.map((op) => [op.opType, op]));

/**
 * Control flow: ops with subgraphs and no reference `evaluate` of their own. They never reach
 * lowering: If is folded into its taken branch (src/passes/if-folding.ts) or refused by prepare.
 */
export const CONTROL_FLOW_OPS: ReadonlyMap<string, OpDef> = new Map([[ifOp.opType, ifOp]]);

/** The definition of a default-domain op, or undefined when edgelock does not support it. */
export function getOpDef(opType: string): OpDef | undefined {
  return OP_TABLE.get(opType) ?? CONTROL_FLOW_OPS.get(opType);
}

export function supportedOps(): string[] {
  return [...OP_TABLE.keys()].sort();
}
