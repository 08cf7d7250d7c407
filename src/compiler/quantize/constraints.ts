/**
 * What TFLite's int8 kernels require of each operator's quantisation parameters, one table entry
 * per operator (TFLite's quantisation spec and the kernels' Prepare checks):
 *
 * - `weight`/`bias`: inputs quantised per output channel (weights symmetric int8 along `axis`,
 *   bias int32 with scale = input scale × weight scale[c]).
 * - `fixedOutput`: output parameters the kernel hard-codes (its lookup tables assume them).
 * - `shared`: the activation inputs and the output must carry identical parameters, because the
 *   int8 kernel copies or compares codes without requantising (pooling, reshapes, pads, max/min,
 *   concatenation in TFLite Micro, transposes, slices, gathers).
 * - `clamp`: the output range an activation implies (folded into the calibrated range).
 *
 * An operator missing from this table has no int8 lowering.
 */
import { FusedActivation, TflOp } from '../tfl-graph';
import { Range } from './params';

export interface WeightRule {
  /** Input index of the weight tensor. */
  input: number;
  /** Quantised (output-channel) dimension of the weight tensor as TFLite lays it out. */
  axis: number;
}

export interface QuantRule {
  weight?: WeightRule;
  /** Input index of the int32 bias (scale = scale of input 0 × weight scale). */
  bias?: number;
  fixedOutput?: { scale: number; zeroPoint: number };
  /** Activation inputs (non-shape inputs) and output 0 share one set of parameters. */
  shared?: boolean;
  /** Output range implied by the operator itself (e.g. RELU6 → [0, 6]). */
  clamp?: Range;
}

/** Ranges of TFLite's fused activations (NONE has no bound). */
export const FUSED_ACTIVATION_RANGES: Record<FusedActivation, Range | null> = {
  NONE: null,
  RELU: { min: 0, max: Infinity },
  RELU6: { min: 0, max: 6 },
  RELU_N1_TO_1: { min: -1, max: 1 },
  // int8 kernels only clamp for the ReLU family; a fused TANH would be silently dropped.
  TANH: null,
};

/** Fused activations the int8 kernels implement. */
export const INT8_FUSED_ACTIVATIONS: ReadonlySet<FusedActivation> = new Set(['NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1']);

export const QUANT_RULES: Record<string, QuantRule> = {
  CONV_2D: { weight: { input: 1, axis: 0 }, bias: 2 },
  DEPTHWISE_CONV_2D: { weight: { input: 1, axis: 3 }, bias: 2 },
  FULLY_CONNECTED: { weight: { input: 1, axis: 0 }, bias: 2 },
  ADD: {},
  SUB: {},
  MUL: {},
  MEAN: {},
  AVERAGE_POOL_2D: { shared: true },
  MAX_POOL_2D: { shared: true },
  RESHAPE: { shared: true },
  SQUEEZE: { shared: true },
  TRANSPOSE: { shared: true },
  CONCATENATION: { shared: true },
  PAD: { shared: true },
  PADV2: { shared: true },
  MAXIMUM: { shared: true },
  MINIMUM: { shared: true },
  STRIDED_SLICE: { shared: true },
  SLICE: { shared: true },
  GATHER: { shared: true },
  RESIZE_NEAREST_NEIGHBOR: { shared: true },
  SOFTMAX: { fixedOutput: { scale: 1 / 256, zeroPoint: -128 } },
  LOGISTIC: { fixedOutput: { scale: 1 / 256, zeroPoint: -128 } },
  TANH: { fixedOutput: { scale: 1 / 128, zeroPoint: 0 } },
  RELU: { clamp: { min: 0, max: Infinity } },
  RELU6: { clamp: { min: 0, max: 6 } },
  LEAKY_RELU: {},
  HARD_SWISH: {},
  EXP: {},
  ARG_MAX: {},
};

/** The rule for an operator, or undefined when it has no int8 kernel. */
export function quantRule(op: string): QuantRule | undefined {
  return Object.prototype.hasOwnProperty.call(QUANT_RULES, op) ? QUANT_RULES[op] : undefined;
}

/** The fused activation of an operator's options, if its options carry one. */
export function fusedActivationOf(op: TflOp): FusedActivation {
  const o = op.options as { fusedActivation?: FusedActivation };
  return o.fusedActivation ?? 'NONE';
}

/** The output range bound an op implies: its own clamp intersected with its fused activation. */
export function outputBound(op: TflOp): Range | null {
  const rule = quantRule(op.op);
  const fused = FUSED_ACTIVATION_RANGES[fusedActivationOf(op)];
  const own = rule?.clamp ?? null;
  if (!fused) return own;
  if (!own) return fused;
  return { min: Math.max(fused.min, own.min), max: Math.min(fused.max, own.max) };
}
