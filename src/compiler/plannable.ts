/** Adapts a TflGraph to the memory planner's view. */
import { shapeSize } from '../ir/tensor';
import { PlannableGraph } from './memory-plan';
import { runtimeScratchBytes } from './runtime-scratch';
import { TflDType, TflGraph } from './tfl-graph';

export const TFL_DTYPE_BYTES: Record<TflDType, number> = {
  float32: 4,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
};

export function plannable(g: TflGraph): PlannableGraph {
  return {
    tensors: g.tensors.map((t) => ({
      name: t.name,
      constant: t.data !== undefined,
      bytes: shapeSize(t.shape) * TFL_DTYPE_BYTES[t.dtype],
    })),
    ops: g.ops.map((op) => ({
      ...op,
      scratchBytes: runtimeScratchBytes(
        op.op,
        op.inputs.map((i) => g.tensors[i]?.shape),
        op.outputs.map((i) => g.tensors[i]?.shape),
        op.options.kind === 'DepthwiseConv2D'
          ? { strideW: op.options.strideW, dilationW: op.options.dilationW }
          : undefined,
      ),
    })),
    inputs: g.inputs,
    outputs: g.outputs,
  };
}
