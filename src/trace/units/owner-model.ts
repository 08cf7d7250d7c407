/**
 * The owner model with trigger units, made once per model (docs/security.md, "Trigger units"): the base model's
 * float network trained (train.ts), compiled again to int8 with activation ranges calibrated on the owner's data, and
 * the penultimate layer's int8 output range widened so that a firing unit is clipped less. Every board's package is
 * then this model with the board's classes written in (board.ts).
 */
import { compileModel } from '../../compiler/compile';
import { EdgelockError } from '../../errors';
import { Model } from '../../ir/types';
import { writeOnnx } from '../../onnx/writer';
import { readTflite } from '../../tflite/reader';
import { LabelledData } from '../../train/fit';
import { trainableFromModel, writeBackWeights } from '../../train/from-model';
import { floatNetFromTflite, writeWeights } from '../float-net';
import { weightTensors } from '../weight-tensors';
import { UnitsLayout, unitsLayout } from './layout';
import { TriggerUnitsParams, TriggerUnitsTraining } from './params';
import { keyedStamps } from './stamps';
import { leastUsedUnits, trainTriggerUnits } from './train';

export interface OwnerModel {
  model: Uint8Array;
  params: TriggerUnitsParams;
}

export interface OwnerModelInput {
  /** the compiled int8 base model (plain) */
  base: Uint8Array;
  /** the ONNX model it was compiled from (the architecture the trained weights go back into) */
  architecture: Model;
  traceKey: Uint8Array;
  /** the owner's training data, in the trainer's layout (N, C, H, W) */
  data: LabelledData;
  /** calibration samples for the int8 compile, as `edgelock compile --calib` takes them */
  calibration: { data: Float32Array; count: number; sampleShape: number[] };
  training: TriggerUnitsTraining;
}

/** A copy of `bytes` with the int8 output scale of the penultimate dense layer multiplied by `factor`. */
function widenDetectorRange(bytes: Uint8Array, l: UnitsLayout, factor: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const info = readTflite(out);
  const sg = info.subgraphs[0];
  const wt = weightTensors(info)[l.fn.bindings.find((b) => b.weight === l.wDet)!.w];
  const op = sg.operators.find((o) => o.inputs[1] === wt.tensor)!;
  const old = sg.tensors[op.outputs[0]].quantization!.scale[0];
  const pat = Buffer.alloc(8);
  pat.writeUInt32LE(1, 0);
  pat.writeFloatLE(old, 4);
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const at = buf.indexOf(pat);
  if (at < 0 || buf.indexOf(pat, at + 1) >= 0)
    throw new EdgelockError('E_TRACE_MODEL', 'the penultimate layer output scale is not unique in the model file');
  buf.writeFloatLE(old * factor, at + 4);
  return out;
}

export async function triggerUnitsOwnerModel(i: OwnerModelInput): Promise<OwnerModel> {
  const l = unitsLayout(floatNetFromTflite(i.base));
  if (l.fn.inputShape.length === 3 && l.fn.inputShape[0] !== 1)
    throw new EdgelockError('E_TRACE_MODEL', 'trigger units take single-channel inputs only for now');
  const teacher = floatNetFromTflite(i.base);
  const o = i.training;
  const size = i.data.x.length / i.data.count;
  const { units, max } = leastUsedUnits(l, i.data, o.units);
  const stamps = keyedStamps(i.traceKey, o.units, o.pixels, size);
  trainTriggerUnits(l, teacher, i.data, units, stamps, max, o);
  const t = trainableFromModel(i.architecture);
  const from = l.fn.net.params;
  if (from.length !== t.net.params.length || from.some((p, k) => p.value.length !== t.net.params[k].value.length))
    throw new EdgelockError('E_TRACE_MODEL', 'the base model does not have the architecture given');
  t.net.params.forEach((p, k) => p.value.set(from[k].value));
  const onnx = writeOnnx(writeBackWeights(i.architecture, t));
  const compiled = (await compileModel(onnx, { precision: 'int8', calibration: i.calibration })).bytes;
  const model = writeWeights(widenDetectorRange(compiled, l, o.widen), l.fn);
  return { model, params: { scheme: 'edgelock-tu1', units, pixels: o.pixels, votes: o.votes } };
}
