import { Dim, DType, Node, Tensor } from '../ir/types';

/** What shape inference knows about one value. */
export interface ValueType {
  dtype: DType;
  shape: Dim[] | null;
}

export interface OpContext {
  node: Node;
  /** Default-domain opset version of the model (attribute vs input forms differ by version). */
  opset: number;
  /** Types of the node's inputs, aligned with node.inputs (undefined for omitted optional inputs). */
  inputs: (ValueType | undefined)[];
  /** Constant values of inputs where known (initializers or folded), aligned with node.inputs. */
  consts: (Tensor | undefined)[];
  /**
   * Optional: partially known contents of small integer inputs that hold shapes (e.g. the output of
   * Shape on an input with a symbolic batch dim: ['batch', 3, 8, 8]), aligned with node.inputs.
   * Filled by shape inference; ops that take a shape input (Reshape, Expand, ConstantOfShape) use it.
   */
  symbolic?: (Dim[] | undefined)[];
}

/** How the int8 TFLite Micro back end treats an op. */
export type TflmSupport =
  | 'int8' // lowered to an int8 TFLM builtin
  | 'folded' // disappears before lowering (constant/shape folding, fused into a neighbour, layout-only)
  | 'none'; // no int8 lowering: compile stops naming the node

export interface OpDef {
  opType: string;
  /** Shape/type inference; throws EdgelockError (E_ONNX_SHAPE / E_ONNX_INVALID_NODE) naming the node. */
  infer(ctx: OpContext): ValueType[];
  /** Reference evaluation on constant inputs, for constant folding. Omitted when an op never folds. */
  evaluate?(ctx: OpContext, inputs: (Tensor | undefined)[]): Tensor[];
  /** Multiply-accumulates per inference given inferred types (0 when not meaningful). */
  macs?(ctx: OpContext, outputs: ValueType[]): number;
  tflm: TflmSupport;
  /** One line shown by `inspect` next to the support flag (e.g. "→ CONV_2D / DEPTHWISE_CONV_2D"). */
  tflmNote: string;
  /**
   * Optional per-node refinement of `tflm`/`tflmNote` once attributes and constant inputs are known
   * (e.g. Div by a constant → MUL; Clip(0,6) → RELU6, other Clip ranges → none). Falls back to the op's flag.
   */
  tflmFor?(ctx: OpContext): TflmVerdict;
  /**
   * Optional: outputs computable from the input *types* alone, even when the input values are unknown
   * (Shape of a statically shaped tensor). Returns undefined when the types are not static enough.
   */
  foldFromTypes?(ctx: OpContext): Tensor[] | undefined;
}

export interface TflmVerdict {
  support: TflmSupport;
  note: string;
}
