/**
 * One descriptor per TFLite builtin operator edgelock emits or reads: its code, the options it
 * carries (and their writer, ./options.ts), its version rules, the TFLite-Micro resolver call, its
 * int8 quantisation constraint, and whether edgelock's C runtime implements it. The opcode, options
 * and quantisation-constraint tables and the firmware's generated `el_ops.h` (EL_OP_* codes and
 * EL_OPT_* options tags; `npx tsx scripts/gen-ops.ts`) are all built from this one table.
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
import { OPTION_KINDS, OptionsKind } from './options';

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
  /** RESIZE_BILINEAR: half_pixel_centers set. */
  resizeHalfPixel?: boolean;
}

/**
 * What TFLite's int8 kernels require of an operator's quantisation parameters (TFLite's
 * quantisation spec and the kernels' Prepare checks):
 *
 * - `weight`/`bias`: inputs quantised per output channel (weights symmetric int8 along `axis`,
 *   bias int32 with scale = input scale × weight scale[c]).
 * - `fixedOutput`: output parameters the kernel hard-codes (its lookup tables assume them).
 * - `shared`: the activation inputs and the output must carry identical parameters, because the
 *   int8 kernel copies or compares codes without requantising (pooling, reshapes, pads, max/min,
 *   concatenation in TFLite Micro, transposes, slices, gathers).
 * - `clamp`: the output range an activation implies (folded into the calibrated range).
 *
 * An operator without a rule has no int8 lowering.
 */
export interface QuantRule {
  /** Input index of the activation whose scale the bias scale multiplies (default 0; TRANSPOSE_CONV: 2). */
  input?: number;
  weight?: WeightRule;
  /** Input index of the int32 bias (scale = scale of the activation input × weight scale). */
  bias?: number;
  fixedOutput?: { scale: number; zeroPoint: number };
  /** Activation inputs (non-shape inputs) and output 0 share one set of parameters. */
  shared?: boolean;
  /** Output range implied by the operator itself (e.g. RELU6 → [0, 6]). */
  clamp?: { min: number; max: number };
}

export interface WeightRule {
  /** Input index of the weight tensor. */
  input: number;
  /** Quantised (output-channel) dimension of the weight tensor as TFLite lays it out. */
  axis: number;
}

export interface OpInfo {
  code: BuiltinOperator;
  /** The options table the operator carries (NONE: no options). */
  options: BuiltinOptions;
  /** The compiler's options kind written for it (./options.ts); absent for operators the compiler does not emit. */
  optionsKind?: OptionsKind;
  /** Version for the signature, per TFLite's versioning rules. */
  version(sig: OpSignature): number;
  /** MicroMutableOpResolver method that registers the kernel in TFLite Micro firmware. */
  microRegistration: string;
  /** int8 quantisation constraint; absent: no int8 kernel. */
  quant?: QuantRule;
  /** Implemented by edgelock's C runtime (firmware-tools/runtime): gets EL_OP_* and EL_OPT_* in el_ops.h. */
  runtime: boolean;
}

interface BuiltinSpec {
  code: BuiltinOperator;
  /** An options kind the compiler writes, or the bare union tag of an operator it never emits. */
  options: OptionsKind | BuiltinOptions;
  version(sig: OpSignature): number;
  micro: string;
  quant?: QuantRule;
  runtime?: boolean;
}

function builtin(s: BuiltinSpec): OpInfo {
  const kind = typeof s.options === 'string' ? s.options : undefined;
  return {
    code: s.code,
    options: kind ? OPTION_KINDS[kind].tag : (s.options as BuiltinOptions),
    ...(kind ? { optionsKind: kind } : {}),
    version: s.version,
    microRegistration: s.micro,
    ...(s.quant ? { quant: s.quant } : {}),
    runtime: s.runtime ?? false,
  };
}

const T = TensorType;
const first = (s: OpSignature) => s.inputTypes[0];

/** int8 first input → `int8Version`, otherwise 1. */
const int8Bumps = (int8Version: number) => (s: OpSignature) => (first(s) === T.INT8 ? int8Version : 1);

const allInt8 = (s: OpSignature, weightIndex = 1) =>
  s.inputTypes[0] === T.INT8 && s.inputTypes[weightIndex] === T.INT8 && s.outputTypes[0] === T.INT8;

const B = BuiltinOperator;
const O = BuiltinOptions;

/** Every operator edgelock emits, keyed by its TFLite name. */
export const TFLITE_OPS = {
  CONV_2D: builtin({
    code: B.CONV_2D,
    options: 'Conv2D',
    version: (s) => (allInt8(s) ? 3 : 1),
    micro: 'AddConv2D',
    quant: { weight: { input: 1, axis: 0 }, bias: 2 },
    runtime: true,
  }),
  DEPTHWISE_CONV_2D: builtin({
    code: B.DEPTHWISE_CONV_2D,
    options: 'DepthwiseConv2D',
    version: (s) => (allInt8(s) ? 3 : s.dilated ? 2 : 1),
    micro: 'AddDepthwiseConv2D',
    quant: { weight: { input: 1, axis: 3 }, bias: 2 },
    runtime: true,
  }),
  FULLY_CONNECTED: builtin({
    code: B.FULLY_CONNECTED,
    options: 'FullyConnected',
    version: (s) => ((s.inputCount ?? 3) === 2 ? 6 : s.keepNumDims ? 5 : allInt8(s) ? 4 : 1),
    micro: 'AddFullyConnected',
    quant: { weight: { input: 1, axis: 0 }, bias: 2 },
    runtime: true,
  }),
  ADD: builtin({ code: B.ADD, options: 'Add', version: int8Bumps(2), micro: 'AddAdd', quant: {}, runtime: true }),
  SUB: builtin({
    code: B.SUB,
    options: 'Sub',
    version: (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddSub',
    quant: {},
    runtime: true,
  }),
  MUL: builtin({
    code: B.MUL,
    options: 'Mul',
    version: (s) => ((s.mulRescale ?? 0) >= 1 ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddMul',
    quant: {},
    runtime: true,
  }),
  DIV: builtin({
    code: B.DIV,
    options: 'Div',
    version: (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 2 : 1),
    micro: 'AddDiv',
    runtime: true,
  }),
  AVERAGE_POOL_2D: builtin({
    code: B.AVERAGE_POOL_2D,
    options: 'Pool2D',
    version: int8Bumps(2),
    micro: 'AddAveragePool2D',
    quant: { shared: true },
    runtime: true,
  }),
  MAX_POOL_2D: builtin({
    code: B.MAX_POOL_2D,
    options: 'Pool2D',
    version: int8Bumps(2),
    micro: 'AddMaxPool2D',
    quant: { shared: true },
    runtime: true,
  }),
  MEAN: builtin({
    code: B.MEAN,
    options: 'Reducer',
    version: int8Bumps(2),
    micro: 'AddMean',
    quant: {},
    runtime: true,
  }),
  RESHAPE: builtin({
    code: B.RESHAPE,
    options: 'Reshape',
    version: () => 1,
    micro: 'AddReshape',
    quant: { shared: true },
    runtime: true,
  }),
  SQUEEZE: builtin({
    code: B.SQUEEZE,
    options: 'Squeeze',
    version: () => 1,
    micro: 'AddSqueeze',
    quant: { shared: true },
    runtime: true,
  }),
  SOFTMAX: builtin({
    code: B.SOFTMAX,
    options: 'Softmax',
    version: int8Bumps(2),
    micro: 'AddSoftmax',
    quant: { fixedOutput: { scale: 1 / 256, zeroPoint: -128 } },
    runtime: true,
  }),
  LOGISTIC: builtin({
    code: B.LOGISTIC,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddLogistic',
    quant: { fixedOutput: { scale: 1 / 256, zeroPoint: -128 } },
    runtime: true,
  }),
  TANH: builtin({
    code: B.TANH,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddTanh',
    quant: { fixedOutput: { scale: 1 / 128, zeroPoint: 0 } },
    runtime: true,
  }),
  RELU: builtin({
    code: B.RELU,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddRelu',
    quant: { clamp: { min: 0, max: Infinity } },
    runtime: true,
  }),
  RELU6: builtin({
    code: B.RELU6,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddRelu6',
    quant: { clamp: { min: 0, max: 6 } },
    runtime: true,
  }),
  LEAKY_RELU: builtin({
    code: B.LEAKY_RELU,
    options: 'LeakyRelu',
    version: () => 1,
    micro: 'AddLeakyRelu',
    quant: {},
    runtime: true,
  }),
  HARD_SWISH: builtin({
    code: B.HARD_SWISH,
    options: 'HardSwish',
    version: () => 1,
    micro: 'AddHardSwish',
    quant: {},
    runtime: true,
  }),
  CONCATENATION: builtin({
    code: B.CONCATENATION,
    options: 'Concatenation',
    version: int8Bumps(2),
    micro: 'AddConcatenation',
    quant: { shared: true },
    runtime: true,
  }),
  PAD: builtin({
    code: B.PAD,
    options: 'Pad',
    version: (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddPad',
    quant: { shared: true },
    runtime: true,
  }),
  PADV2: builtin({
    code: B.PADV2,
    options: 'PadV2',
    version: (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddPadV2',
    quant: { shared: true },
    runtime: true,
  }),
  QUANTIZE: builtin({
    code: B.QUANTIZE,
    options: 'Quantize',
    version: (s) => (s.perChannel ? 3 : s.outputTypes[0] === T.INT16 ? 2 : 1),
    micro: 'AddQuantize',
    runtime: true,
  }),
  DEQUANTIZE: builtin({
    code: B.DEQUANTIZE,
    options: 'Dequantize',
    version: (s) => (first(s) === T.INT8 ? (s.perChannel ? 5 : 2) : 1),
    micro: 'AddDequantize',
    runtime: true,
  }),
  MAXIMUM: builtin({
    code: B.MAXIMUM,
    options: 'MaximumMinimum',
    version: (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddMaximum',
    quant: { shared: true },
    runtime: true,
  }),
  MINIMUM: builtin({
    code: B.MINIMUM,
    options: 'MaximumMinimum',
    version: (s) => (s.broadcast && (s.maxInputRank ?? 0) > 4 ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddMinimum',
    quant: { shared: true },
    runtime: true,
  }),
  TRANSPOSE: builtin({
    code: B.TRANSPOSE,
    options: 'Transpose',
    version: (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddTranspose',
    quant: { shared: true },
    runtime: true,
  }),
  STRIDED_SLICE: builtin({
    code: B.STRIDED_SLICE,
    options: O.StridedSliceOptions,
    version: (s) => ((s.maxInputRank ?? 0) > 4 ? 4 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddStridedSlice',
    quant: { shared: true },
  }),
  SLICE: builtin({
    code: B.SLICE,
    options: 'Slice',
    version: (s) => ((s.maxInputRank ?? 0) > 4 ? 5 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddSlice',
    quant: { shared: true },
    runtime: true,
  }),
  GATHER: builtin({
    code: B.GATHER,
    options: O.GatherOptions,
    version: int8Bumps(2),
    micro: 'AddGather',
    quant: { shared: true },
  }),
  TRANSPOSE_CONV: builtin({
    code: B.TRANSPOSE_CONV,
    options: 'TransposeConv',
    version: (s) => ((s.inputCount ?? 3) > 3 ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddTransposeConv',
    // int8: weights [Cout, kH, kW, Cin] per output channel, int32 bias (input 3) on the scale of the input (input 2)
    quant: { input: 2, weight: { input: 1, axis: 0 }, bias: 3 },
    runtime: true,
  }),
  RESIZE_BILINEAR: builtin({
    code: B.RESIZE_BILINEAR,
    options: 'ResizeBilinear',
    version: (s) => (s.resizeHalfPixel ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddResizeBilinear',
    quant: { shared: true },
    runtime: true,
  }),
  SQRT: builtin({ code: B.SQRT, options: 'None', version: () => 1, micro: 'AddSqrt', runtime: true }),
  SQUARED_DIFFERENCE: builtin({
    code: B.SQUARED_DIFFERENCE,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddSquaredDifference',
    quant: {},
  }),
  RSQRT: builtin({
    code: B.RSQRT,
    options: 'None',
    version: int8Bumps(2),
    micro: 'AddRsqrt',
    quant: {},
    runtime: true,
  }),
  EXP: builtin({ code: B.EXP, options: O.ExpOptions, version: int8Bumps(2), micro: 'AddExp', quant: {} }),
  ARG_MAX: builtin({ code: B.ARG_MAX, options: O.ArgMaxOptions, version: int8Bumps(2), micro: 'AddArgMax', quant: {} }),
  RESIZE_NEAREST_NEIGHBOR: builtin({
    code: B.RESIZE_NEAREST_NEIGHBOR,
    options: 'ResizeNearestNeighbor',
    version: (s) => (s.resizeCornerFlags ? 3 : first(s) === T.INT8 ? 2 : 1),
    micro: 'AddResizeNearestNeighbor',
    quant: { shared: true },
    runtime: true,
  }),
} as const satisfies Record<string, OpInfo>;

export type TfliteOpName = keyof typeof TFLITE_OPS;
