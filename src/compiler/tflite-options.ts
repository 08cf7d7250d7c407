/** TflOptions → the generated flatbuffer option objects, one converter per options kind (a table). */
import * as G from '../tflite/generated';
import { ActivationFunctionType } from '../tflite/generated/tflite/activation-function-type';
import { Padding as FbPadding } from '../tflite/generated/tflite/padding';
import { BuiltinOptionsObject, options } from '../tflite/builder';
import { FusedActivation, Padding, TflOptions } from './tfl-graph';

const ACT: Record<FusedActivation, ActivationFunctionType> = {
  NONE: ActivationFunctionType.NONE,
  RELU: ActivationFunctionType.RELU,
  RELU_N1_TO_1: ActivationFunctionType.RELU_N1_TO_1,
  RELU6: ActivationFunctionType.RELU6,
  TANH: ActivationFunctionType.TANH,
};

const PAD: Record<Padding, FbPadding> = { SAME: FbPadding.SAME, VALID: FbPadding.VALID };

type Kind = TflOptions['kind'];
/** The options variant whose `kind` admits K (Add/Sub/Mul/Div share one variant). */
type Of<K extends Kind> = TflOptions extends infer T ? (T extends { kind: infer U } ? (K extends U ? T : never) : never) : never;

const CONVERTERS: { [K in Kind]: (o: Of<K>) => BuiltinOptionsObject | undefined } = {
  Conv2D: (o) =>
    options(G.Conv2DOptionsT, {
      padding: PAD[o.padding],
      strideW: o.strideW,
      strideH: o.strideH,
      dilationWFactor: o.dilationW,
      dilationHFactor: o.dilationH,
      fusedActivationFunction: ACT[o.fusedActivation],
    }),
  DepthwiseConv2D: (o) =>
    options(G.DepthwiseConv2DOptionsT, {
      padding: PAD[o.padding],
      strideW: o.strideW,
      strideH: o.strideH,
      depthMultiplier: o.depthMultiplier,
      dilationWFactor: o.dilationW,
      dilationHFactor: o.dilationH,
      fusedActivationFunction: ACT[o.fusedActivation],
    }),
  FullyConnected: (o) => options(G.FullyConnectedOptionsT, { fusedActivationFunction: ACT[o.fusedActivation], keepNumDims: o.keepNumDims }),
  Pool2D: (o) =>
    options(G.Pool2DOptionsT, {
      padding: PAD[o.padding],
      strideW: o.strideW,
      strideH: o.strideH,
      filterWidth: o.filterW,
      filterHeight: o.filterH,
      fusedActivationFunction: ACT[o.fusedActivation],
    }),
  Add: (o) => options(G.AddOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }),
  Sub: (o) => options(G.SubOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }),
  Mul: (o) => options(G.MulOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }),
  Div: (o) => options(G.DivOptionsT, { fusedActivationFunction: ACT[o.fusedActivation] }),
  Concatenation: (o) => options(G.ConcatenationOptionsT, { axis: o.axis, fusedActivationFunction: ACT[o.fusedActivation] }),
  Reshape: (o) => options(G.ReshapeOptionsT, { newShape: [...o.newShape] }),
  Softmax: (o) => options(G.SoftmaxOptionsT, { beta: o.beta }),
  Reducer: (o) => options(G.ReducerOptionsT, { keepDims: o.keepDims }),
  LeakyRelu: (o) => options(G.LeakyReluOptionsT, { alpha: o.alpha }),
  Transpose: () => options(G.TransposeOptionsT),
  Pad: () => options(G.PadOptionsT),
  PadV2: () => options(G.PadV2OptionsT),
  Slice: () => options(G.SliceOptionsT),
  MaximumMinimum: () => options(G.MaximumMinimumOptionsT),
  HardSwish: () => options(G.HardSwishOptionsT),
  Quantize: () => options(G.QuantizeOptionsT),
  Dequantize: () => options(G.DequantizeOptionsT),
  Squeeze: (o) => options(G.SqueezeOptionsT, { squeezeDims: [...o.squeezeDims] }),
  None: () => undefined,
};

export function toFlatbufferOptions(o: TflOptions): BuiltinOptionsObject | undefined {
  return (CONVERTERS[o.kind] as (x: TflOptions) => BuiltinOptionsObject | undefined)(o);
}
