/**
 * The back end's own graph: TFLite operators on NHWC tensors, before serialisation.
 *
 * Flow: lower (ONNX IR → float TflGraph, layout converted, activations fused)
 *     → quantize (float TflGraph + calibrated ranges → int8 TflGraph)  [int8 only]
 *     → serialize (TflGraph → .tflite bytes through src/tflite/builder.ts)
 */

export type TflDType = 'float32' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64';

export type TflTensorData = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

export interface TflQuant {
  scale: number[];
  zeroPoint: number[];
  /** Quantised dimension for per-axis (per-channel) parameters. */
  axis?: number;
  min?: number[];
  max?: number[];
}

export interface TflTensor {
  id: number;
  name: string;
  shape: number[];
  dtype: TflDType;
  /** Constant data (weights, biases, shape operands); undefined for activations. */
  data?: TflTensorData;
  quant?: TflQuant;
  /**
   * For activations: the ONNX value whose calibrated range this tensor has (the same range
   * survives layout changes, reshapes, padding and fused activations). Undefined for an
   * intermediate no ONNX value describes (only a standalone HardSigmoid's MUL/ADD steps): the
   * int8 path then stops with E_QUANT_RANGE naming the node. For constants: undefined.
   */
  source?: string;
  /**
   * For an intermediate no ONNX value holds: the monotone map from the calibrated range of
   * `source` to this tensor's range (the steps of a lowered HardSigmoid, the RSQRT that replaces
   * Sqrt → Div in a LayerNorm).
   */
  derive?: RangeMap;
  /**
   * For constant tensors: how quantize must treat them.
   * - conv-weight: CONV_2D filter [Cout, kH, kW, Cin] (per-channel axis 0)
   * - depthwise-weight: DEPTHWISE_CONV_2D filter [1, kH, kW, Cout] (per-channel axis 3)
   * - fc-weight: FULLY_CONNECTED weights [N, K] (per-channel axis 0)
   * - bias: float32 bias [Cout] of the op that consumes it (becomes int32, scale = in × weight)
   * - const-operand: a float operand of an elementwise op, CONCATENATION or the PADV2 pad value
   *   (quantised like an activation, from its own values)
   * - shape: int32 operands that stay int32 (RESHAPE shape, MEAN axes, PAD paddings, TRANSPOSE perm)
   */
  role?: 'conv-weight' | 'depthwise-weight' | 'fc-weight' | 'bias' | 'const-operand' | 'shape';
}

import type { TflOptions } from '../tflite/options';

/** y = scale·x + offset, or y = 1/x (for a strictly positive x). */
export type RangeMap = { kind: 'affine'; scale: number; offset: number } | { kind: 'reciprocal' };

export type { FusedActivation, Padding, TflOptions } from '../tflite/options';

export interface TflOp {
  /** TFLite BuiltinOperator name, e.g. 'CONV_2D'. */
  op: string;
  /** Tensor ids; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options: TflOptions;
  /** The ONNX node this op came from (for error messages and debugging). */
  onnxNode: string;
}

export interface TflGraph {
  tensors: TflTensor[];
  ops: TflOp[];
  inputs: number[];
  outputs: number[];
  /** How each graph input is laid out relative to the ONNX input (for documentation and for feeding data). */
  inputLayouts: ('nhwc' | 'nchw' | 'onnx-nhwc' | 'plain')[];
  /** Why each input has its layout (src/compiler/input-layout.ts), for the summary and the metadata. */
  inputLayoutReasons?: string[];
  /** How each graph output relates to the ONNX output (outputs are always delivered in ONNX logical order). */
  description: string;
  metadata: Record<string, Uint8Array>;
  /** Things the lowering decided that a user should know (e.g. a symbolic batch pinned to 1). */
  notes?: string[];
}

export function addTensor(g: TflGraph, t: Omit<TflTensor, 'id'>): number {
  const id = g.tensors.length;
  g.tensors.push({ ...t, id });
  return id;
}

export function emptyGraph(): TflGraph {
  return { tensors: [], ops: [], inputs: [], outputs: [], inputLayouts: [], description: '', metadata: {} };
}
