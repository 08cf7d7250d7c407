/**
 * Float TflGraph + calibrated ranges → full-integer TflGraph, to the TFLite int8 spec:
 * int8 activations (asymmetric, per tensor), int8 weights (symmetric, per output channel),
 * int32 biases (scale = input scale × weight scale), fixed output parameters where kernels
 * require them, equal parameters across copy-like operators, and float or int8 I/O.
 */
import { EdgelockError } from '../../errors';
import { TflGraph, TflOp, TflTensor } from '../tfl-graph';
import { CalibratedRanges, activationParamsFor, isFloatActivation } from './activations';
import { INT8_FUSED_ACTIVATIONS, fusedActivationOf, quantRule } from './constraints';
import { QuantizedIo, applyIoMode } from './io';
import { AffineParams, sameParams } from './params';
import { quantizeBias, quantizeConstOperand, quantizeWeights, weightScales } from './weights';

export interface QuantizeOptions {
  io: QuantizedIo;
}

export { QUANTIZED_IO_MODES } from './io';
export type { QuantizedIo } from './io';
export type { CalibratedRanges } from './activations';

/** Weight roles and the per-channel axis each implies (TFLite layouts). */
const WEIGHT_ROLE_AXIS: Record<string, number> = { 'conv-weight': 0, 'depthwise-weight': 3, 'fc-weight': 0 };

function copyGraph(g: TflGraph): TflGraph {
  return {
    tensors: g.tensors.map((t) => ({ ...t, shape: [...t.shape] })),
    ops: g.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs] })),
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    inputLayouts: [...g.inputLayouts],
    ...(g.inputLayoutReasons ? { inputLayoutReasons: [...g.inputLayoutReasons] } : {}),
    description: g.description,
    metadata: { ...g.metadata },
    ...(g.notes ? { notes: [...g.notes] } : {}),
  };
}

function unsupported(op: TflOp, why: string): EdgelockError {
  return new EdgelockError('E_TFLITE_UNSUPPORTED', `${op.op} from ONNX node '${op.onnxNode}' ${why}`, {
    node: op.onnxNode,
    op: op.op,
  });
}

/**
 * Rewrites constants per consuming operator. A constant consumed by several operators that need
 * different integer encodings (e.g. a bias under two input scales) is duplicated.
 */
class ConstantWriter {
  /** original tensor id → key of the encoding already written into it */
  private readonly written = new Map<number, string>();
  constructor(
    private readonly g: TflGraph,
    private readonly original: TflTensor[],
  ) {}

  /** Writes an encoding for input `slot` of `op`, duplicating the tensor when it is taken. */
  write(
    op: TflOp,
    slot: number,
    key: string,
    encode: (t: TflTensor) => { data: TflTensor['data']; quant: TflTensor['quant']; dtype: TflTensor['dtype'] },
  ): void {
    const id = op.inputs[slot];
    const prev = this.written.get(id);
    if (prev === key) return;
    const src = this.original[id];
    const enc = encode(src);
    if (prev === undefined) {
      this.written.set(id, key);
      Object.assign(this.g.tensors[id], enc);
      return;
    }
    const copyId = this.g.tensors.length;
    this.g.tensors.push({ ...src, id: copyId, name: `${src.name}_${copyId}`, shape: [...src.shape], ...enc });
    this.written.set(copyId, key);
    op.inputs[slot] = copyId;
  }
}

function paramsKey(p: { scale: number[]; zeroPoint: number[] } | AffineParams): string {
  return JSON.stringify(p);
}

export function quantizeGraph(input: TflGraph, ranges: CalibratedRanges, opts: QuantizeOptions): TflGraph {
  const g = copyGraph(input);
  for (const op of g.ops) {
    if (!quantRule(op.op)) throw unsupported(op, 'has no int8 kernel in TFLite Micro');
    const act = fusedActivationOf(op);
    if (!INT8_FUSED_ACTIVATIONS.has(act))
      throw unsupported(op, `has a fused ${act} activation, which int8 kernels do not apply`);
  }

  const act = activationParamsFor(g, ranges);
  // activations (and shared constant operands, encoded below)
  for (const t of g.tensors) {
    const p = act.get(t.id);
    if (p && isFloatActivation(t)) {
      t.dtype = 'int8';
      t.quant = { scale: [p.scale], zeroPoint: [p.zeroPoint] };
    }
  }

  const constants = new ConstantWriter(g, input.tensors);
  for (const op of g.ops) {
    const rule = quantRule(op.op)!;
    const weightSlot = rule.weight?.input;
    const biasSlot = rule.bias;
    if (weightSlot !== undefined && op.inputs[weightSlot] >= 0) {
      const activation = op.inputs[rule.input ?? 0];
      const inputParams = g.tensors[activation].quant;
      if (!inputParams || g.tensors[activation].dtype !== 'int8')
        throw unsupported(op, 'has an input that is not an int8 activation');
      const inScale = inputParams.scale[0];
      const w = input.tensors[op.inputs[weightSlot]];
      if (w.data === undefined) throw unsupported(op, 'has weights that are not constant');
      const axis = rule.weight!.axis;
      if (w.role !== undefined && WEIGHT_ROLE_AXIS[w.role] !== undefined && WEIGHT_ROLE_AXIS[w.role] !== axis) {
        throw new EdgelockError(
          'E_INTERNAL',
          `${op.op} weight '${w.name}' has role ${w.role}, inconsistent with axis ${axis}`,
        );
      }
      const biasId = biasSlot !== undefined ? (op.inputs[biasSlot] ?? -1) : -1;
      const bias = biasId >= 0 ? input.tensors[biasId] : undefined;
      if (bias && bias.data === undefined) throw unsupported(op, 'has a bias that is not constant');
      const scales = weightScales(
        w.data as Float32Array,
        w.shape,
        axis,
        inScale,
        bias?.data as Float32Array | undefined,
      );
      const wq = quantizeWeights(w.data, w.shape, axis, scales, `weight '${w.name}'`);
      constants.write(op, weightSlot, paramsKey(wq.quant!), () => ({ ...wq, dtype: 'int8' }));
      if (bias && biasSlot !== undefined) {
        const bq = quantizeBias(bias.data, inScale, scales, `bias '${bias.name}'`);
        constants.write(op, biasSlot, paramsKey(bq.quant!), () => ({ ...bq, dtype: 'int32' }));
      }
    }
    op.inputs.forEach((id, slot) => {
      if (id < 0 || slot === weightSlot || slot === biasSlot) return;
      const t = input.tensors[id];
      if (t.data === undefined || t.dtype !== 'float32' || t.role === 'shape') return;
      if (t.role !== undefined && t.role !== 'const-operand') {
        throw new EdgelockError(
          'E_INTERNAL',
          `${op.op} (node '${op.onnxNode}') takes ${t.role} '${t.name}' as input ${slot}`,
        );
      }
      // shared-parameter operators: the constant takes the group's parameters
      const shared = rule.shared ? act.get(id) : undefined;
      const q = quantizeConstOperand(t.data, `constant '${t.name}'`, shared);
      constants.write(op, slot, paramsKey(q.quant!), () => ({ ...q, dtype: 'int8' }));
    });
  }

  for (const op of g.ops) {
    const rule = quantRule(op.op)!;
    if (!rule.shared) continue;
    const out = g.tensors[op.outputs[0]];
    for (const id of op.inputs) {
      const t = id >= 0 ? g.tensors[id] : undefined;
      if (!t || t.dtype !== 'int8' || !t.quant || !out.quant) continue;
      if (
        !sameParams(
          { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] },
          { scale: out.quant.scale[0], zeroPoint: out.quant.zeroPoint[0] },
        )
      ) {
        throw new EdgelockError(
          'E_INTERNAL',
          `${op.op} (node '${op.onnxNode}') ended with unequal input/output parameters`,
        );
      }
    }
  }

  const referenced = new Set<number>([
    ...g.inputs,
    ...g.outputs,
    ...g.ops.flatMap((op) => [...op.inputs, ...op.outputs]),
  ]);
  for (const t of g.tensors) {
    if (referenced.has(t.id) && t.dtype === 'float32') {
      throw new EdgelockError(
        'E_QUANT_RANGE',
        `tensor '${t.name}' stayed float32 in the int8 graph (no operator rule quantised it)`,
      );
    }
  }
  applyIoMode(g, opts.io);
  return g;
}
