/**
 * TflGraph → .tflite bytes through src/tflite/builder.ts (buffer 0 for every activation,
 * 16-byte aligned constant buffers, one OperatorCode per builtin with the version TFLite's rules
 * give for the emitted tensor types).
 *
 * Size: only the graph's inputs and outputs carry names (what a caller binds to); internal tensors
 * are written without one, which the schema allows, and are addressed by index (lock descriptors,
 * the runtime, inspect and the tests do so). Every bias keeps its quantisation parameters even
 * where the int8 kernels read only its data: without them TFLite's XNNPACK delegate declines the
 * node (docs/performance.md, "Where the bytes go").
 */
import { EdgelockError } from '../errors';
import { TENSOR_TYPES, TfliteBuilder, TfliteDType } from '../tflite/builder';
import { TFLITE_OPS, TfliteOpName } from '../tflite/builtins';
import { opVersion } from './op-signature';
import { TflGraph, TflTensor } from './tfl-graph';
import { writeOptions } from '../tflite/options';

function quantization(t: TflTensor) {
  if (!t.quant) return undefined;
  const q = t.quant;
  return { scale: [...q.scale], zeroPoint: [...q.zeroPoint], quantizedDimension: q.axis ?? 0, min: q.min, max: q.max };
}

export function serialize(g: TflGraph): Uint8Array {
  const b = new TfliteBuilder();
  b.setDescription(g.description);
  const io = new Set([...g.inputs, ...g.outputs]);
  g.tensors.forEach((t, i) => {
    if (t.id !== i) throw new EdgelockError('E_INTERNAL', `tensor ${t.name} has id ${t.id} at index ${i}`);
    if (!(t.dtype in TENSOR_TYPES)) throw new EdgelockError('E_INTERNAL', `tensor ${t.name}: dtype ${t.dtype}`);
    const spec = {
      name: io.has(i) ? t.name : '',
      shape: t.shape,
      dtype: t.dtype as TfliteDType,
      quantization: quantization(t),
    };
    if (t.data) b.addConstTensor({ ...spec, data: t.data });
    else b.addTensor(spec);
  });
  for (const op of g.ops) {
    if (!(op.op in TFLITE_OPS))
      throw new EdgelockError(
        'E_TFLITE_UNSUPPORTED',
        `operator ${op.op} (from node '${op.onnxNode}') cannot be written`,
        { node: op.onnxNode },
      );
    b.addOperator({
      op: op.op as TfliteOpName,
      version: opVersion(g, op),
      inputs: op.inputs,
      outputs: op.outputs,
      options: writeOptions(op.options),
    });
  }
  b.setInputs(g.inputs);
  b.setOutputs(g.outputs);
  for (const [name, content] of Object.entries(g.metadata)) b.addMetadata(name, content);
  return b.finish();
}

/** Operators with the versions serialize() records, in first-use order, plus their count. */
export function operatorSummary(g: TflGraph): { op: string; version: number; count: number }[] {
  const rows = new Map<string, { op: string; version: number; count: number }>();
  for (const op of g.ops) {
    const v = opVersion(g, op);
    const row = rows.get(op.op);
    if (row) {
      row.count++;
      row.version = Math.max(row.version, v);
    } else rows.set(op.op, { op: op.op, version: v, count: 1 });
  }
  return [...rows.values()];
}
