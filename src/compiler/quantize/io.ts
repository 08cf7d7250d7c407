/**
 * The boundary of a quantised graph.
 *
 * - 'int8': graph inputs and outputs are the int8 tensors themselves; their scale and zero
 *   point (recorded in the flatbuffer) tell a caller how to quantise inputs and read outputs.
 * - 'float': float32 graph inputs and outputs wrap the int8 graph: a QUANTIZE op after each
 *   input and a DEQUANTIZE op before each output, as TFLite's converter emits with float I/O.
 *   The float tensors keep the original names; the int8 ones get an `_int8` suffix.
 */
import { TflGraph, addTensor } from '../tfl-graph';

export type QuantizedIo = 'int8' | 'float';

export const QUANTIZED_IO_MODES: readonly QuantizedIo[] = ['int8', 'float'];

/** Wraps graph inputs/outputs of an int8 graph (mutates `g`, which quantizeGraph owns). */
export function applyIoMode(g: TflGraph, io: QuantizedIo): void {
  if (io === 'int8') return;
  const prologue = [];
  const inputMap = new Map<number, number>();
  for (const id of g.inputs) {
    const inner = g.tensors[id];
    if (inner.dtype !== 'int8' || inputMap.has(id)) continue;
    const outer = addTensor(g, { name: inner.name, shape: [...inner.shape], dtype: 'float32', source: inner.source });
    inner.name = `${inner.name}_int8`;
    inputMap.set(id, outer);
    prologue.push({
      op: 'QUANTIZE',
      inputs: [outer],
      outputs: [id],
      options: { kind: 'Quantize' as const },
      onnxNode: '',
    });
  }
  const outputMap = new Map<number, number>();
  const epilogue = [];
  for (const id of g.outputs) {
    const inner = g.tensors[id];
    if (inner.dtype !== 'int8' || outputMap.has(id)) continue;
    // a graph input returned unchanged as an output is read from the float input directly
    const direct = inputMap.get(id);
    if (direct !== undefined) {
      outputMap.set(id, direct);
      continue;
    }
    const outerName = inner.name;
    inner.name = `${inner.name}_int8`;
    const outer = addTensor(g, { name: outerName, shape: [...inner.shape], dtype: 'float32', source: inner.source });
    outputMap.set(id, outer);
    epilogue.push({
      op: 'DEQUANTIZE',
      inputs: [id],
      outputs: [outer],
      options: { kind: 'Dequantize' as const },
      onnxNode: '',
    });
  }
  g.ops = [...prologue, ...g.ops, ...epilogue];
  g.inputs = g.inputs.map((id) => inputMap.get(id) ?? id);
  g.outputs = g.outputs.map((id) => outputMap.get(id) ?? id);
}
