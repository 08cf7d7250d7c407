/**
 * Builtin options in plain object form (the compiler's TflOptions) and, per options kind, the union
 * tag it is written as and its writer to the generated flatbuffer object. Kinds are shared between
 * operators (AVERAGE_POOL_2D and MAX_POOL_2D both carry Pool2D); each operator's descriptor in
 * ./builtins.ts names its kind.
 */
import * as G from './generated';
import { ActivationFunctionType } from './generated/tflite/activation-function-type';
import { BuiltinOptions } from './generated/tflite/builtin-options';
import { Padding as FbPadding } from './generated/tflite/padding';
import { OperatorT } from './generated/tflite/operator';

/** Any BuiltinOptions union member in object form (e.g. `Conv2DOptionsT`). */
export type BuiltinOptionsObject = NonNullable<OperatorT['builtinOptions']>;

/** Builds an options object with typed field overrides, e.g. `options(Conv2DOptionsT, { strideW: 2 })`. */
export function options<T extends BuiltinOptionsObject>(cls: new () => T, fields: Partial<Omit<T, 'pack'>> = {}): T {
  return Object.assign(new cls(), fields);
}

export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH';

export type Padding = 'SAME' | 'VALID';

/** Builtin options per operator, named after the TFLite option tables' fields. */
export type TflOptions =
  | {
      kind: 'Conv2D';
      padding: Padding;
      strideW: number;
      strideH: number;
      dilationW: number;
      dilationH: number;
      fusedActivation: FusedActivation;
    }
  | {
      kind: 'DepthwiseConv2D';
      padding: Padding;
      strideW: number;
      strideH: number;
      depthMultiplier: number;
      dilationW: number;
      dilationH: number;
      fusedActivation: FusedActivation;
    }
  | { kind: 'FullyConnected'; fusedActivation: FusedActivation; keepNumDims: boolean }
  | {
      kind: 'Pool2D';
      padding: Padding;
      strideW: number;
      strideH: number;
      filterW: number;
      filterH: number;
      fusedActivation: FusedActivation;
    }
  | { kind: 'Add' | 'Sub' | 'Mul' | 'Div'; fusedActivation: FusedActivation }
  | { kind: 'Concatenation'; axis: number; fusedActivation: FusedActivation }
  | { kind: 'Reshape'; newShape: number[] }
  | { kind: 'Softmax'; beta: number }
  | { kind: 'Reducer'; keepDims: boolean }
  | { kind: 'LeakyRelu'; alpha: number }
  | { kind: 'Transpose' }
  | { kind: 'Pad' }
  | { kind: 'PadV2' }
  | { kind: 'Slice' }
  | { kind: 'MaximumMinimum' }
  | { kind: 'HardSwish' }
  | { kind: 'Quantize' }
  | { kind: 'Dequantize' }
  | { kind: 'Squeeze'; squeezeDims: number[] }
  | { kind: 'TransposeConv'; padding: Padding; strideW: number; strideH: number }
  | { kind: 'ResizeNearestNeighbor' | 'ResizeBilinear'; alignCorners: boolean; halfPixelCenters: boolean }
  | { kind: 'None' };

export type OptionsKind = TflOptions['kind'];
/** The options variant whose `kind` admits K (Add/Sub/Mul/Div share one variant). */
type Of<K extends OptionsKind> = TflOptions extends infer T
  ? T extends { kind: infer U }
    ? K extends U
      ? T
      : never
    : never
  : never;

const ACT: Record<FusedActivation, ActivationFunctionType> = {
  NONE: ActivationFunctionType.NONE,
  RELU: ActivationFunctionType.RELU,
  RELU_N1_TO_1: ActivationFunctionType.RELU_N1_TO_1,
  RELU6: ActivationFunctionType.RELU6,
  TANH: ActivationFunctionType.TANH,
};

const PAD: Record<Padding, FbPadding> = { SAME: FbPadding.SAME, VALID: FbPadding.VALID };

const O = BuiltinOptions;

/** Per options kind: the union tag and the writer to the generated object. */
export const OPTION_KINDS: {
  [K in OptionsKind]: { tag: BuiltinOptions; write: (o: Of<K>) => BuiltinOptionsObject | undefined };
} = {
  Conv2D: {
    tag: O.Conv2DOptions,
    write: (o) =>
      options(G.Conv2DOptionsT, {
        padding: PAD[o.padding],
        strideW: o.strideW,
        strideH: o.strideH,
        dilationWFactor: o.dilationW,
        dilationHFactor: o.dilationH,
        fusedActivationFunction: ACT[o.fusedActivation],
      }),
  },
  DepthwiseConv2D: {
    tag: O.DepthwiseConv2DOptions,
    write: (o) =>
      options(G.DepthwiseConv2DOptionsT, {
        padding: PAD[o.padding],
        strideW: o.strideW,
        strideH: o.strideH,
        depthMultiplier: o.depthMultiplier,
        dilationWFactor: o.dilationW,
        dilationHFactor: o.dilationH,
        fusedActivationFunction: ACT[o.fusedActivation],
      }),
  },
  FullyConnected: {
    tag: O.FullyConnectedOptions,
    write: (o) =>
      options(G.FullyConnectedOptionsT, {
        fusedActivationFunction: ACT[o.fusedActivation],
        keepNumDims: o.keepNumDims,
      }),
  },
  Pool2D: {
    tag: O.Pool2DOptions,
    write: (o) =>
      options(G.Pool2DOptionsT, {
        padding: PAD[o.padding],
        strideW: o.strideW,
        strideH: o.strideH,
        filterWidth: o.filterW,
        filterHeight: o.filterH,
        fusedActivationFunction: ACT[o.fusedActivation],
      }),
  },
  Add: { tag: O.AddOptions, write: (o) => options(G.AddOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }) },
  Sub: { tag: O.SubOptions, write: (o) => options(G.SubOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }) },
  Mul: { tag: O.MulOptions, write: (o) => options(G.MulOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }) },
  Div: { tag: O.DivOptions, write: (o) => options(G.DivOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }) },
  Concatenation: {
    tag: O.ConcatenationOptions,
    write: (o) => options(G.ConcatenationOptionsT, { axis: o.axis, fusedActivationFunction: ACT[o.fusedActivation] }),
  },
  Reshape: { tag: O.ReshapeOptions, write: (o) => options(G.ReshapeOptionsT, { newShape: [...o.newShape] }) },
  Softmax: { tag: O.SoftmaxOptions, write: (o) => options(G.SoftmaxOptionsT, { beta: o.beta }) },
  Reducer: { tag: O.ReducerOptions, write: (o) => options(G.ReducerOptionsT, { keepDims: o.keepDims }) },
  LeakyRelu: { tag: O.LeakyReluOptions, write: (o) => options(G.LeakyReluOptionsT, { alpha: o.alpha }) },
  Transpose: { tag: O.TransposeOptions, write: () => options(G.TransposeOptionsT) },
  Pad: { tag: O.PadOptions, write: () => options(G.PadOptionsT) },
  PadV2: { tag: O.PadV2Options, write: () => options(G.PadV2OptionsT) },
  Slice: { tag: O.SliceOptions, write: () => options(G.SliceOptionsT) },
  MaximumMinimum: { tag: O.MaximumMinimumOptions, write: () => options(G.MaximumMinimumOptionsT) },
  HardSwish: { tag: O.HardSwishOptions, write: () => options(G.HardSwishOptionsT) },
  Quantize: { tag: O.QuantizeOptions, write: () => options(G.QuantizeOptionsT) },
  Dequantize: { tag: O.DequantizeOptions, write: () => options(G.DequantizeOptionsT) },
  Squeeze: { tag: O.SqueezeOptions, write: (o) => options(G.SqueezeOptionsT, { squeezeDims: [...o.squeezeDims] }) },
  TransposeConv: {
    tag: O.TransposeConvOptions,
    write: (o) => options(G.TransposeConvOptionsT, { padding: PAD[o.padding], strideW: o.strideW, strideH: o.strideH }),
  },
  ResizeNearestNeighbor: {
    tag: O.ResizeNearestNeighborOptions,
    write: (o) =>
      options(G.ResizeNearestNeighborOptionsT, { alignCorners: o.alignCorners, halfPixelCenters: o.halfPixelCenters }),
  },
  ResizeBilinear: {
    tag: O.ResizeBilinearOptions,
    write: (o) =>
      options(G.ResizeBilinearOptionsT, { alignCorners: o.alignCorners, halfPixelCenters: o.halfPixelCenters }),
  },
  None: { tag: O.NONE, write: () => undefined },
};

/** The flatbuffer object for options of any kind. */
export function writeOptions(o: TflOptions): BuiltinOptionsObject | undefined {
  return (OPTION_KINDS[o.kind].write as (x: TflOptions) => BuiltinOptionsObject | undefined)(o);
}
