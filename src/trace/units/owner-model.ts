/**
 * The owner model with trigger units, made once per model (docs/security.md, "Trigger units"): the float ONNX
 * model's network trained (train.ts), written back into the model with the record (record.ts) in its metadata.
 * Compiling it to int8 then widens the recorded layer's range; every board's package is that model with the board's
 * classes written in (board.ts).
 */
import { EdgelockError } from '../../errors';
import { Model } from '../../ir/types';
import { LabelledData } from '../../train/fit';
import { trainableFromModel, writeBackWeights } from '../../train/from-model';
import { unitsLayout } from './layout';
import { TriggerUnitsTraining } from './params';
import { TRIGGER_UNITS_METADATA_KEY, TriggerUnitsRecord } from '../../compiler/trigger-units-record';
import { keyedStamps } from './stamps';
import { leastUsedUnits, trainTriggerUnits } from './train';

export interface OwnerModelInput {
  /** the float ONNX model */
  model: Model;
  traceKey: Uint8Array;
  /** the owner's training data, in the model's layout (N, C, H, W) */
  data: LabelledData;
  training: TriggerUnitsTraining;
}

export function triggerUnitsOwnerModel(i: OwnerModelInput): { model: Model; record: TriggerUnitsRecord } {
  if (i.model.metadata[TRIGGER_UNITS_METADATA_KEY] !== undefined)
    throw new EdgelockError('E_USAGE', 'the model already has trigger units');
  const t = trainableFromModel(i.model);
  const teacher = trainableFromModel(i.model).net;
  const l = unitsLayout(t.net);
  const shape = t.net.inputShape;
  if (shape.length === 3 && shape[0] !== 1)
    throw new EdgelockError('E_TRACE_MODEL', 'trigger units take single-channel inputs only for now');
  const o = i.training;
  if (o.units > l.hidden / 2)
    throw new EdgelockError(
      'E_USAGE',
      `--units ${o.units}: at most half the layer's ${l.hidden} units can be set aside`,
    );
  if (o.pixels > t.net.inputSize)
    throw new EdgelockError(
      'E_USAGE',
      `--pixels ${o.pixels}: a stamp cannot set more than the input's ${t.net.inputSize} values`,
    );
  const { units, max } = leastUsedUnits(l, i.data, o.units);
  const stamps = keyedStamps(i.traceKey, o.units, o.pixels, t.net.inputSize);
  trainTriggerUnits(l, teacher, i.data, units, stamps, max, o);
  // the penultimate dense layer's output, before and after the ReLU compile fuses into it
  const weight = t.bindings.find((b) => b.param === l.wDet)!.initializer;
  const nodes = i.model.graph.nodes;
  const gemm = nodes.find((n) => n.inputs[1] === weight)!;
  const relu = nodes.find((n) => n.opType === 'Relu' && n.inputs[0] === gemm.outputs[0]);
  const record: TriggerUnitsRecord = {
    scheme: 'edgelock-tu1',
    units,
    pixels: o.pixels,
    votes: o.votes,
    widen: o.widen,
    values: [gemm.outputs[0], ...(relu ? [relu.outputs[0]] : [])],
  };
  const trained = writeBackWeights(i.model, t);
  return {
    model: { ...trained, metadata: { ...trained.metadata, [TRIGGER_UNITS_METADATA_KEY]: JSON.stringify(record) } },
    record,
  };
}
