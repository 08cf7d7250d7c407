/**
 * The owner model with trigger units, made once per model (docs/security.md, "Trigger units"): a path from the pixels
 * added with no training (pixel-path.ts), or the float ONNX model's network widened and trained (widen.ts, train.ts)
 * and written back, with the record (src/compiler/trigger-units-record.ts) in the model's metadata.
 * Compiling it to int8 then widens the recorded layer's range; every board's package is that model with the board's
 * classes written in (board.ts).
 */
import { EdgelockError } from '../../errors';
import { Model } from '../../ir/types';
import { LabelledData } from '../../train/fit';
import { trainableFromModel, writeBackWeights } from '../../train/from-model';
import { Param } from '../../train/layer';
import { unitsLayout } from './layout';
import { Room, TriggerUnitsTraining } from './params';
import { ONE_DENSE_LAYER, addPixelPath } from './pixel-path';
import { TRIGGER_UNITS_METADATA_KEY, TriggerUnitsRecord } from '../../compiler/trigger-units-record';
import { keyedStamps } from './stamps';
import { TrainingPlan, leastUsedUnits, naturalMax, trainTriggerUnits } from './train';
import { addUnitsPath } from './widen';
import { TrainerForm, trainerForm } from './trainer-form';
import { InputShapes } from '../../ir/pin-inputs';
import { Sequential } from '../../train/network';

export interface OwnerModelInput {
  /** the float ONNX model */
  model: Model;
  traceKey: Uint8Array;
  /** the owner's training data, in the model's layout ((N, C, H, W); a model that takes channels-last may also have
   * it so); the trained rooms need its labels, the path from the pixels only its inputs */
  data: Omit<LabelledData, 'labels'> & {
    labels?: LabelledData['labels'];
    /** each input's shape, when known: the model's own layout, or (C, H, W) for a model that takes channels-last */
    sampleShape?: readonly number[];
  };
  training: TriggerUnitsTraining;
  /** the model input's symbolic dimensions pinned (compile's --input-shape) */
  inputShapes?: InputShapes;
  /** trainerForm(model, inputShapes), when the caller has it already (the CLI reads it to choose the room) */
  form?: TrainerForm;
}

/** Layer indices of the dense layers of the network's tail: the trailing run of dense layers and ReLUs. */
function denseTail(net: Sequential): number[] {
  const tail: number[] = [];
  for (let i = net.layers.length - 1; i >= 0 && ['dense', 'relu'].includes(net.layers[i].kind); i--)
    if (net.layers[i].kind === 'dense') tail.unshift(i);
  return tail;
}

/** The channels a stamp sets at each pixel: C of an image input [N, C, H, W] (ONNX order), 1 for any other input. */
export function stampChannels(model: Model): number {
  const shape = model.graph.inputs[0]?.shape ?? [];
  return shape.length === 4 && typeof shape[1] === 'number' ? shape[1] : 1;
}

/** The room a model gets by default: a path from the pixels for a model that starts with a convolution, a trained
 * path otherwise (an MLP's trained path already reads the pixels). */
export function defaultRoom(model: Model): Room {
  const input = model.graph.inputs[0]?.name;
  return model.graph.nodes.some((n) => n.opType === 'Conv' && n.inputs[0] === input) ? 'pixel-path' : 'path';
}

/** The ONNX values of the penultimate dense layer's output, before and after its ReLU (compile widens their range). */
function penultimateValues(model: Model, weight: string): string[] {
  const gemm = model.graph.nodes.find((n) => n.inputs[1] === weight)!;
  const relu = model.graph.nodes.find((n) => n.opType === 'Relu' && n.inputs[0] === gemm.outputs[0]);
  return [gemm.outputs[0], ...(relu ? [relu.outputs[0]] : [])];
}

function withRecord(model: Model, record: TriggerUnitsRecord): { model: Model; record: TriggerUnitsRecord } {
  return {
    model: { ...model, metadata: { ...model.metadata, [TRIGGER_UNITS_METADATA_KEY]: JSON.stringify(record) } },
    record,
  };
}

/**
 * The owner model: made in the trainer's form of the model (trainer-form.ts: NCHW, logits, the exporter's extra
 * nodes folded), with the model's own interface put back around it.
 */
export function triggerUnitsOwnerModel(i: OwnerModelInput): { model: Model; record: TriggerUnitsRecord } {
  if (i.model.metadata[TRIGGER_UNITS_METADATA_KEY] !== undefined)
    throw new EdgelockError('E_USAGE', 'the model already has trigger units');
  const form = i.form ?? trainerForm(i.model, i.inputShapes);
  const made = ownerModelInForm({
    ...i,
    model: form.model,
    data: { ...i.data, x: form.inputs(i.data.x, i.data.count, i.data.sampleShape) },
  });
  return { model: form.restore(made.model), record: made.record };
}

function ownerModelInForm(i: OwnerModelInput): { model: Model; record: TriggerUnitsRecord } {
  const o = i.training;
  if (o.room === 'pixel-path') {
    const p = addPixelPath({ model: i.model, traceKey: i.traceKey, data: i.data, units: o.units, widen: o.widen });
    return withRecord(p.model, {
      scheme: 'edgelock-tu2',
      units: p.units,
      pixels: p.patch[0] * p.patch[1],
      votes: o.votes,
      widen: o.widen,
      values: penultimateValues(p.model, p.penultimate),
      patch: p.patch,
      draw: p.draw,
      origins: p.origins,
      levels: p.levels,
    });
  }
  const { labels } = i.data;
  if (!labels) throw new EdgelockError('E_USAGE', `the ${o.room} room trains: its data needs labels (--labels <npy>)`);
  const data: LabelledData = { ...i.data, labels };
  const base = trainableFromModel(i.model);
  const teacher = base.net;
  if (teacher.layers.filter((l) => l.kind === 'dense').length < 2)
    throw new EdgelockError('E_UNITS_MODEL', `the ${o.room} room: ${ONE_DENSE_LAYER}`);
  const lb = unitsLayout(teacher);
  if (o.room === 'least-used' && o.units > lb.hidden / 2)
    throw new EdgelockError(
      'E_USAGE',
      `--units ${o.units}: at most half the layer's ${lb.hidden} units can be set aside`,
    );
  const channels = stampChannels(i.model);
  if (o.pixels > teacher.inputSize / channels)
    throw new EdgelockError(
      'E_USAGE',
      `--pixels ${o.pixels}: a stamp cannot set more than the input's ${teacher.inputSize / channels} pixels`,
    );
  const weightOf = (p: Param) => base.bindings.find((b) => b.param === p)!.initializer;
  const tail = denseTail(teacher);
  const hiddenTail = tail.slice(0, -1);
  if (o.room === 'path' && hiddenTail[hiddenTail.length - 1] !== lb.det)
    throw new EdgelockError(
      'E_UNITS_MODEL',
      'a detector path needs the model to end in dense layers joined by ReLUs only; --room least-used needs less',
    );
  const model =
    o.room === 'path'
      ? addUnitsPath(
          i.model,
          hiddenTail.map((j) => weightOf(teacher.layers[j].params[0])),
          weightOf(lb.wOut),
          o.units,
          o.seed,
        )
      : i.model;
  const t = trainableFromModel(model);
  const l = unitsLayout(t.net);
  let plan: TrainingPlan;
  if (o.room === 'path') {
    const trainable = new Map<Param, Uint8Array>();
    const hinged = hiddenTail.map((j) => {
      const [w, b] = t.net.layers[j].params;
      const outs = teacher.layers[j].params[1].value.length;
      const units = Array.from({ length: o.units }, (_, k) => outs + k);
      const ins = w.value.length / b.value.length;
      trainable.set(
        w,
        Uint8Array.from(w.value, (_, e) => (Math.floor(e / ins) >= outs ? 1 : 0)),
      );
      trainable.set(
        b,
        Uint8Array.from(b.value, (_, e) => (e >= outs ? 1 : 0)),
      );
      return { layer: j, units, max: naturalMax(teacher, j, data) };
    });
    plan = { hinged, trainable, heldColumns: [], margin: 1 };
  } else {
    const { units, max } = leastUsedUnits(lb, data, o.units);
    plan = { hinged: [{ layer: l.det, units, max }], trainable: null, heldColumns: units, margin: 0.25 };
  }
  const units = plan.hinged[plan.hinged.length - 1].units.slice();
  const stamps = keyedStamps(i.traceKey, o.units, o.pixels, teacher.inputSize, channels);
  trainTriggerUnits(l, teacher, data, plan, stamps, o);
  // the penultimate dense layer's output, before and after the ReLU compile fuses into it
  const weight = t.bindings.find((b) => b.param === l.wDet)!.initializer;
  return withRecord(writeBackWeights(model, t), {
    scheme: 'edgelock-tu1',
    units,
    pixels: o.pixels,
    votes: o.votes,
    widen: o.widen,
    values: penultimateValues(model, weight),
  });
}
