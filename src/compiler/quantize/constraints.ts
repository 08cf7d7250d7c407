/**
 * What TFLite's int8 kernels require of each operator's quantisation parameters: the `quant` rule of
 * each operator's descriptor (src/tflite/builtins.ts), plus the ranges of fused activations.
 * An operator without a rule has no int8 lowering.
 */
import { QuantRule, TFLITE_OPS } from '../../tflite/builtins';
import { FusedActivation, TflOp } from '../tfl-graph';
import { Range } from './params';

export type { QuantRule, WeightRule } from '../../tflite/builtins';

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

/** Operator name → its int8 quantisation rule, for the operators that have one. */
export const QUANT_RULES: Readonly<Record<string, QuantRule>> = Object.fromEntries(
  Object.entries(TFLITE_OPS).flatMap(([name, d]) => (d.quant ? [[name, d.quant]] : [])),
);

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
