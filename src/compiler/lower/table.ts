/** The lowering of every ONNX op the TFLite back end supports: one entry per op type. */
import { Node } from '../../ir/types';
import { LowerContext } from './context';
import { lowerAdd } from './ops/add';
import { lowerAveragePool } from './ops/average-pool';
import { lowerCast } from './ops/cast';
import { lowerClip } from './ops/clip';
import { lowerConcat } from './ops/concat';
import { lowerConv } from './ops/conv';
import { lowerConvTranspose } from './ops/conv-transpose';
import { lowerDiv } from './ops/div';
import { lowerGemm } from './ops/gemm';
import { lowerGlobalAveragePool } from './ops/global-average-pool';
import { lowerHardSigmoid } from './ops/hard-sigmoid';
import { lowerHardSwish } from './ops/hard-swish';
import { lowerIdentity } from './ops/identity';
import { lowerLeakyRelu } from './ops/leaky-relu';
import { lowerMatMul } from './ops/mat-mul';
import { lowerMax } from './ops/max';
import { lowerMaxPool } from './ops/max-pool';
import { lowerMin } from './ops/min';
import { lowerMul } from './ops/mul';
import { lowerPad } from './ops/pad';
import { lowerPow } from './ops/pow';
import { lowerReciprocal } from './ops/reciprocal';
import { lowerReduceMean } from './ops/reduce-mean';
import { lowerRelu } from './ops/relu';
import { lowerReshape } from './ops/reshape';
import { lowerResize } from './ops/resize';
import { lowerSigmoid } from './ops/sigmoid';
import { lowerSlice } from './ops/slice';
import { lowerSoftmax } from './ops/softmax';
import { lowerSqrt } from './ops/sqrt';
import { lowerSub } from './ops/sub';
import { lowerTanh } from './ops/tanh';
import { lowerTranspose } from './ops/transpose';

/** Lowers one ONNX node (its inputs are already lowered) by emitting TFLite ops into the context. */
export type Lowering = (node: Node, ctx: LowerContext) => void;

export const LOWERINGS: Readonly<Record<string, Lowering>> = {
  Add: lowerAdd,
  AveragePool: lowerAveragePool,
  Cast: lowerCast,
  Clip: lowerClip,
  Concat: lowerConcat,
  Conv: lowerConv,
  ConvTranspose: lowerConvTranspose,
  Div: lowerDiv,
  Dropout: lowerIdentity,
  Flatten: lowerReshape,
  Gemm: lowerGemm,
  GlobalAveragePool: lowerGlobalAveragePool,
  HardSigmoid: lowerHardSigmoid,
  HardSwish: lowerHardSwish,
  Identity: lowerIdentity,
  LeakyRelu: lowerLeakyRelu,
  MatMul: lowerMatMul,
  Max: lowerMax,
  MaxPool: lowerMaxPool,
  Min: lowerMin,
  Mul: lowerMul,
  Pad: lowerPad,
  Pow: lowerPow,
  Reciprocal: lowerReciprocal,
  ReduceMean: lowerReduceMean,
  Relu: lowerRelu,
  Reshape: lowerReshape,
  Resize: lowerResize,
  Sigmoid: lowerSigmoid,
  Slice: lowerSlice,
  Softmax: lowerSoftmax,
  Squeeze: lowerReshape,
  Sqrt: lowerSqrt,
  Sub: lowerSub,
  Tanh: lowerTanh,
  Transpose: lowerTranspose,
  Unsqueeze: lowerReshape,
};
