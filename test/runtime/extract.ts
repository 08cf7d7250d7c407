/**
 * Cuts a sub-model out of a .tflite file: a run of its operators with their tensors (constant data,
 * quantisation, options copied), rewritten through the project's builder. Used to compare the C
 * runtime and the oracle operator by operator on real compiled models.
 */
import * as flatbuffers from 'flatbuffers';
import { Model, TensorT } from '../../src/tflite/generated';
import { TENSOR_TYPES, TfliteBuilder, TfliteDType, BuiltinOptionsObject } from '../../src/tflite/builder';
import { opInfoByCode } from '../../src/tflite/opcodes';

const DTYPE_BY_CODE = new Map<number, TfliteDType>(
  (Object.keys(TENSOR_TYPES) as TfliteDType[]).map((k) => [TENSOR_TYPES[k].type as number, k]),
);

export interface SubModel {
  model: Uint8Array;
  inputs: number[]; // tensor indices in the source model
  outputs: number[];
  inputShapes: number[][];
  inputKinds: ('int8' | 'float32')[];
  ops: string[];
}

export function operatorCount(bytes: Uint8Array): number {
  return Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).subgraphs(0)!.operatorsLength();
}

/** Operators [first, last] of `bytes` as a model whose outputs are `outputs` (source tensor indices). */
export function extract(bytes: Uint8Array, first: number, last: number, outputs?: number[]): SubModel {
  const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).unpack();
  const sg = model.subgraphs[0];
  const b = new TfliteBuilder();
  const map = new Map<number, number>();
  const produced = new Set<number>();
  const isConst = (t: number) => (model.buffers[sg.tensors[t].buffer]?.data.length ?? 0) > 0;
  const tensor = (t: number): number => {
    const known = map.get(t);
    if (known !== undefined) return known;
    const src: TensorT = sg.tensors[t];
    const dtype = DTYPE_BY_CODE.get(src.type)!;
    const q = src.quantization;
    const spec = {
      name: `t${t}`,
      shape: [...src.shape],
      dtype,
      ...(q && q.scale.length
        ? {
            quantization: {
              scale: [...q.scale],
              zeroPoint: q.zeroPoint.map(Number),
              quantizedDimension: q.quantizedDimension,
            },
          }
        : {}),
    };
    const idx = isConst(t)
      ? b.addConstTensor({ ...spec, data: Uint8Array.from(model.buffers[src.buffer].data) })
      : b.addTensor(spec);
    map.set(t, idx);
    return idx;
  };
  const inputs: number[] = [];
  const ops: string[] = [];
  let lastOutputs: number[] = [];
  for (let i = first; i <= last; i++) {
    const op = sg.operators[i];
    const code = model.operatorCodes[op.opcodeIndex];
    const info = opInfoByCode(Math.max(code.builtinCode, code.deprecatedBuiltinCode));
    if (!info) throw new Error(`operator ${i}: builtin code ${code.builtinCode} unknown to opcodes.ts`);
    for (const t of op.inputs) {
      if (t >= 0 && !isConst(t) && !produced.has(t) && !inputs.includes(t)) inputs.push(t);
    }
    b.addOperator({
      op: info.name,
      version: code.version,
      inputs: op.inputs.map((t) => (t < 0 ? -1 : tensor(t))),
      outputs: op.outputs.map(tensor),
      options: (op.builtinOptions ?? undefined) as BuiltinOptionsObject | undefined,
    });
    op.outputs.forEach((t) => produced.add(t));
    lastOutputs = [...op.outputs];
    ops.push(info.name);
  }
  const outs = outputs ?? lastOutputs;
  b.setInputs(inputs.map(tensor)).setOutputs(outs.map(tensor));
  return {
    model: b.finish(),
    inputs,
    outputs: outs,
    inputShapes: inputs.map((t) => [...sg.tensors[t].shape]),
    inputKinds: inputs.map((t) => (sg.tensors[t].type === 0 ? 'float32' : 'int8')),
    ops,
  };
}

/** Activation inputs of operator `i` (non-constant, in order). */
export function activationInputs(bytes: Uint8Array, i: number): number[] {
  const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).unpack();
  const sg = model.subgraphs[0];
  return sg.operators[i].inputs.filter((t) => t >= 0 && (model.buffers[sg.tensors[t].buffer]?.data.length ?? 0) === 0);
}

export function graphInputs(bytes: Uint8Array): number[] {
  return Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).unpack().subgraphs[0].inputs;
}
