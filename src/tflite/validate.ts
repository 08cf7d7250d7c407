/**
 * Structural validation of a decoded .tflite model, the model-level checks the firmware's Prepare makes
 * (firmware-tools/runtime/el_model.c) before any kernel looks at it, so `inspect` and `package` refuse what a
 * board would refuse:
 *  - a constant tensor's buffer holds exactly elements × element size bytes;
 *  - quantisation: positive finite scales, int8 zero points in [-128, 127], per-channel scales on an existing
 *    dimension with one scale per channel;
 *  - an operator's options table is the one its op takes (or none);
 *  - graph order: operators write non-constant tensors, each written once, and read only constants, subgraph
 *    inputs, variables or tensors an earlier operator wrote; subgraph inputs are not constants and there is at
 *    least one output.
 * Readability (bounds, indices) is readTflite's job (reader.ts); what a kernel accepts (op types, shapes
 * per op) is the firmware's — this module covers what no valid model can violate.
 */
import { EdgelockError } from '../errors';
import { BuiltinOptions } from './generated/tflite/builtin-options';
import { builtinOptionsName, opInfoByCode } from './opcodes';
import { TfliteModelInfo, TfliteTensorInfo } from './reader';

/** Bytes per element of the fixed-size tensor types (strings, resources and variants have none). */
export const TFLITE_TYPE_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
  complex64: 8,
  complex128: 16,
};

function invalid(message: string, op?: { index: number; op: string }): EdgelockError {
  return new EdgelockError('E_TFLITE_INVALID', message, op ? { node: `operator ${op.index}`, op: op.op } : {});
}

function checkTensor(t: TfliteTensorInfo, m: TfliteModelInfo, where: string): void {
  const b = m.buffers[t.buffer];
  const elements = t.shape.reduce((a, d) => a * d, 1);
  const size = TFLITE_TYPE_BYTES[t.dtype];
  if (b && b.size > 0 && !t.sparse && !b.external && size !== undefined && b.size !== elements * size) {
    throw invalid(
      `${where}: tensor ${t.index} '${t.name}' (${t.dtype} [${t.shape}]) needs ${elements * size} bytes, its buffer ${t.buffer} holds ${b.size}`,
    );
  }
  const q = t.quantization;
  if (!q || q.custom || q.scale.length === 0) return;
  q.scale.forEach((s, i) => {
    if (!(s > 0) || !Number.isFinite(s))
      throw invalid(
        `${where}: tensor ${t.index} '${t.name}' has scale ${s} (channel ${i}); scales are positive and finite`,
      );
  });
  if (t.dtype === 'int8') {
    const z = q.zeroPoint.find((v) => v < -128 || v > 127);
    if (z !== undefined) throw invalid(`${where}: tensor ${t.index} '${t.name}' is int8 with zero point ${z}`);
  }
  if (q.scale.length > 1) {
    const axis = q.quantizedDimension;
    if (axis < 0 || axis >= t.shape.length || t.shape[axis] !== q.scale.length) {
      throw invalid(
        `${where}: tensor ${t.index} '${t.name}' [${t.shape}] has ${q.scale.length} per-channel scales on dimension ${axis}`,
      );
    }
  }
}

export function validateTflite(m: TfliteModelInfo): void {
  m.subgraphs.forEach((sg, s) => {
    const where = m.subgraphs.length > 1 ? `subgraph ${s}` : 'the model';
    sg.tensors.forEach((t) => checkTensor(t, m, where));
    if (sg.outputs.length === 0) throw invalid(`${where} has no outputs`);
    const written = new Set<number>();
    for (const i of sg.inputs) {
      if (sg.tensors[i].constant) throw invalid(`${where}: input tensor ${i} '${sg.tensors[i].name}' is a constant`);
      written.add(i);
    }
    for (const op of sg.operators) {
      const info = opInfoByCode(op.builtinCode);
      if (info && op.options) {
        const expected = info.options;
        if (op.options.type !== builtinOptionsName(expected)) {
          throw invalid(
            `${where}: operator ${op.index} (${op.op}) carries ${op.options.type}; ${op.op} ` +
              `takes ${expected === BuiltinOptions.NONE ? 'no options' : builtinOptionsName(expected)}`,
            op,
          );
        }
      }
      for (const i of op.inputs) {
        if (i === -1) continue;
        const t = sg.tensors[i];
        if (!t.constant && !t.isVariable && !written.has(i)) {
          throw invalid(
            `${where}: operator ${op.index} (${op.op}) reads tensor ${i} '${t.name}' before anything writes it`,
            op,
          );
        }
      }
      for (const o of op.outputs) {
        const t = sg.tensors[o];
        if (t.constant)
          throw invalid(`${where}: operator ${op.index} (${op.op}) writes constant tensor ${o} '${t.name}'`, op);
        if (written.has(o) && !t.isVariable)
          throw invalid(
            `${where}: operator ${op.index} (${op.op}) writes tensor ${o} '${t.name}', already written`,
            op,
          );
        written.add(o);
      }
    }
  });
}
