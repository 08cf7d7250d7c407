/**
 * The TFLite builtin operators edgelock emits: which options table each carries, which op
 * version to record for a given tensor-type signature, and the TFLite-Micro resolver call a
 * firmware needs to run it.
 *
 * Versions follow TFLite's own versioning rules (tensorflow/lite/tools/versioning/op_version.cc),
 * restricted to the float32/int8 cases edgelock produces, so the full TFLite interpreter (our
 * oracle) finds a kernel for every emitted (op, version) pair. TFLite Micro's
 * MicroMutableOpResolver matches operators by builtin code only and does not check versions;
 * what a firmware must do is register each operator once (`microRegistration`).
 */
import { BuiltinOperator } from './generated/tflite/builtin-operator';
import { BuiltinOptions } from './generated/tflite/builtin-options';
import { TensorType } from './generated/tflite/tensor-type';

/** What the version rules look at: tensor types and the few options/shape facts that matter. */
export interface OpSignature {
  inputTypes: TensorType[];
  outputTypes: TensorType[];
  /** Largest rank among the inputs. */
  maxInputRank?: number;
  /** Binary ops: true when the two inputs have different shapes. */
  broadcast?: boolean;
  /** FULLY_CONNECTED: number of inputs including an absent bias (-1) counts as given. */
  inputCount?: number;
  keepNumDims?: boolean;
  /** DEPTHWISE_CONV_2D float: dilation other than 1. */
  dilated?: boolean;
  /** QUANTIZE/DEQUANTIZE: per-axis quantisation. */
  perChannel?: boolean;
  /** MUL int8: input1 scale × input2 scale / output scale. */
  mulRescale?: number;
  /** RESIZE_NEAREST_NEIGHBOR: align_corners or half_pixel_centers set. */
  resizeCornerFlags?: boolean;
}

export interface OpInfo {
  code: BuiltinOperator;
  /** The options table the operator carries (NONE: no options). */
  options: BuiltinOptions;
  /** Version for the signature, per TFLite's versioning rules. */
  version(sig: OpSignature): number;
  /** MicroMutableOpResolver method that registers the kernel in TFLite Micro firmware. */
  microRegistration: string;
}

const T = TensorType;
const first = (s: OpSignature) => s.inputTypes[0];

/** int8 first input → `int8Version`, otherwise 1. */
const int8Bumps = (int8Version: number) => (s: OpSignature) => (first(s) === T.INT8 ? int8Version : 1);

const allInt8 = (s: OpSignature, weightIndex = 1) =>
  s.inputTypes[0] === T.INT8 && s.inputTypes[weightIndex] === T.INT8 && s.outputTypes[0] === T.INT8;

function entry(
  code: BuiltinOperator,
  options: BuiltinOptions,
  version: (s: OpSignature) => number,
  microRegistration: string,
): OpInfo {
  return { code, options, version, microRegistration };
}

const B = BuiltinOperator;
const O = BuiltinOptions;

/** Every operator edgelock emits, keyed by its TFLite name. */
export const TFLITE_OPS = {
  CONV_2D: entry(B.CONV_2D, O.Conv2DOptions, (s) => (allInt8(s) ? 3 : 1), 'AddConv2D'),
  DEPTHWISE_CONV_2D: entry(
    B.DEPTHWISE_CONV_2D,
    O.DepthwiseConv2DOptions,
    (s) => (allInt8(s) ? 3 : s.dilated ? 2 : 1),
    'AddDepthwiseConv2D',
  ),
  FULLY_CONNECTED: entry(
    B.FULLY_CONNECTED,
    O.FullyConnectedOptions,
    (s) => ((s.inputCount ?? 3) === 2 ? 6 : s.keepNumDims ? 5 : allInt8(s) ? 4 : 1),
    'AddFullyConnected',
  ),
  ADD: entry(B.ADD, O.AddOptions, int8Bumps(2), 'AddAdd'),
  SUB: entry(
    B.SUB,
    O.SubOptions,
    (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    'AddSub',
  ),
  MUL: entry(
    B.MUL,
    O.MulOptions,
    (s) => ((s.mulRescale ?? 0) >= 1 ? 3 : first(s) === T.INT8 ? 2 : 1),
    'AddMul',
  ),
  DIV: entry(B.DIV, O.DivOptions, (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 2 : 1), 'AddDiv'),
  AVERAGE_POOL_2D: entry(B.AVERAGE_POOL_2D, O.Pool2DOptions, int8Bumps(2), 'AddAveragePool2D'),
  MAX_POOL_2D: entry(B.MAX_POOL_2D, O.Pool2DOptions, int8Bumps(2), 'AddMaxPool2D'),
  MEAN: entry(B.MEAN, O.ReducerOptions, int8Bumps(2), 'AddMean'),
  RESHAPE: entry(B.RESHAPE, O.ReshapeOptions, () => 1, 'AddReshape'),
  SQUEEZE: entry(B.SQUEEZE, O.SqueezeOptions, () => 1, 'AddSqueeze'),
  SOFTMAX: entry(B.SOFTMAX, O.SoftmaxOptions, int8Bumps(2), 'AddSoftmax'),
  LOGISTIC: entry(B.LOGISTIC, O.NONE, int8Bumps(2), 'AddLogistic'),
  TANH: entry(B.TANH, O.NONE, int8Bumps(2), 'AddTanh'),
  RELU: entry(B.RELU, O.NONE, int8Bumps(2), 'AddRelu'),
  RELU6: entry(B.RELU6, O.NONE, int8Bumps(2), 'AddRelu6'),
  LEAKY_RELU: entry(B.LEAKY_RELU, O.LeakyReluOptions, () => 1, 'AddLeakyRelu'),
  HARD_SWISH: entry(B.HARD_SWISH, O.HardSwishOptions, () => 1, 'AddHardSwish'),
  CONCATENATION: entry(B.CONCATENATION, O.ConcatenationOptions, int8Bumps(2), 'AddConcatenation'),
  PAD: entry(B.PAD, O.PadOptions, (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1), 'AddPad'),
  PADV2: entry(B.PADV2, O.PadV2Options, (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1), 'AddPadV2'),
  QUANTIZE: entry(B.QUANTIZE, O.QuantizeOptions, (s) => (s.perChannel ? 3 : s.outputTypes[0] === T.INT16 ? 2 : 1), 'AddQuantize'),
  DEQUANTIZE: entry(
    B.DEQUANTIZE,
    O.DequantizeOptions,
    (s) => (first(s) === T.INT8 ? (s.perChannel ? 5 : 2) : 1),
    'AddDequantize',
  ),
  MAXIMUM: entry(
    B.MAXIMUM,
    O.MaximumMinimumOptions,
    (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    'AddMaximum',
  ),
  MINIMUM: entry(
    B.MINIMUM,
    O.MaximumMinimumOptions,
    (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    'AddMinimum',
  ),
  TRANSPOSE: entry(
    B.TRANSPOSE,
    O.TransposeOptions,
    (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1),
    'AddTranspose',
  ),
  STRIDED_SLICE: entry(B.STRIDED_SLICE, O.StridedSliceOptions, (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1), 'AddStridedSlice'),
  SLICE: entry(B.SLICE, O.SliceOptions, (s) => ((s.maxInputRank ?? 0) > 4 ? 5 : first(s) === T.INT8 ? 2 : 1), 'AddSlice'),
  GATHER: entry(B.GATHER, O.GatherOptions, int8Bumps(2), 'AddGather'),
  EXP: entry(B.EXP, O.ExpOptions, int8Bumps(2), 'AddExp'),
  ARG_MAX: entry(B.ARG_MAX, O.ArgMaxOptions, int8Bumps(2), 'AddArgMax'),
  RESIZE_NEAREST_NEIGHBOR: entry(
    B.RESIZE_NEAREST_NEIGHBOR,
    O.ResizeNearestNeighborOptions,
    (s) => (s.resizeCornerFlags ? 3 : first(s) === T.INT8 ? 2 : 1),
    'AddResizeNearestNeighbor',
  ),
} as const satisfies Record<string, OpInfo>;

export type TfliteOpName = keyof typeof TFLITE_OPS;

const BY_CODE = new Map<number, TfliteOpName>(
  (Object.keys(TFLITE_OPS) as TfliteOpName[]).map((name) => [TFLITE_OPS[name].code, name]),
);

/** The entry for a builtin code edgelock emits, or undefined. */
export function opInfoByCode(code: number): (OpInfo & { name: TfliteOpName }) | undefined {
  const name = BY_CODE.get(code);
  return name ? { ...TFLITE_OPS[name], name } : undefined;
}

/** The upstream name of any builtin code declared in the schema ("CONV_2D"), else `BUILTIN_<n>`. */
export function builtinOperatorName(code: number): string {
  const name = (BuiltinOperator as unknown as Record<number, string | undefined>)[code];
  return typeof name === 'string' ? name : `BUILTIN_${code}`;
}

/** The name of a BuiltinOptions union member ("Conv2DOptions"), else `BuiltinOptions_<n>`. */
export function builtinOptionsName(tag: number): string {
  const name = (BuiltinOptions as unknown as Record<number, string | undefined>)[tag];
  return typeof name === 'string' ? name : `BuiltinOptions_${tag}`;
}

/**
 * The TFLite-Micro resolver calls a firmware needs for a list of builtin codes (deduplicated,
 * in first-use order). Codes edgelock does not emit are reported by name as `unknown`.
 */
export function microRegistrations(codes: Iterable<number>): { op: string; call: string | null }[] {
  const seen = new Set<number>();
  const out: { op: string; call: string | null }[] = [];
  for (const code of codes) {
    if (seen.has(code)) continue;
    seen.add(code);
    const info = opInfoByCode(code);
    out.push({ op: builtinOperatorName(code), call: info ? info.microRegistration : null });
  }
  return out;
}
