/**
 * The owner's one-time training of trigger units (docs/security.md, "Trigger units"). The units of the penultimate
 * dense layer the model uses least are set aside and their outgoing weights held at 0; unit k is trained to reach
 * 1.7× the layer's natural maximum activation on any image carrying stamp k and to stay below −max/4 on natural images
 * and on the other stamps (squared hinges, their weight ramped up over the first epoch), while the network keeps
 * learning the true labels of natural images and answers stamped images as the base model does (distillation). A
 * quarter of each batch is stamped. SGD with momentum 0.9, the learning rate halved each epoch.
 */
import { LabelledData } from '../../train/fit';
import { softmaxRows } from '../../train/loss';
import { Sgd } from '../../train/optim/sgd';
import { Rng } from '../../train/rng';
import { Sequential } from '../../train/network';
import { UnitsLayout, detectorInputs } from './layout';
import { TriggerUnitsTraining } from './params';
import { applyStamp } from './stamps';

const BATCH = 64;
const STAMPED = 16;
const HINGE_WEIGHT = 0.1;
const TARGET = 1.7;
const MARGIN = 0.25;
/** natural samples that rank the units and give the layer's natural maximum */
const RANKING_SAMPLES = 2000;

/** The `count` units the model uses least (mean activation times the norm of the outgoing weights), and the layer's largest natural activation. */
export function leastUsedUnits(l: UnitsLayout, data: LabelledData, count: number): { units: number[]; max: number } {
  const n = Math.min(RANKING_SAMPLES, data.count);
  const size = data.x.length / data.count;
  const z = detectorInputs(l, data.x.subarray(0, n * size), n);
  const mean = new Float64Array(l.hidden);
  let max = 0;
  for (let s = 0; s < n; s++)
    for (let j = 0; j < l.hidden; j++) {
      const a = Math.max(0, z[s * l.hidden + j]);
      mean[j] += a / n;
      max = Math.max(max, a);
    }
  const use = Array.from({ length: l.hidden }, (_, j) => {
    let norm = 0;
    for (let c = 0; c < l.classes; c++) norm += l.wOut.value[c * l.hidden + j] ** 2;
    return { j, v: mean[j] * Math.sqrt(norm) };
  }).sort((a, b) => a.v - b.v);
  return { units: use.slice(0, count).map((e) => e.j), max };
}

/** Trains `l`'s network in place (see the header); `teacher` is the base model's network, `max` the natural maximum. */
export function trainTriggerUnits(
  l: UnitsLayout,
  teacher: Sequential,
  data: LabelledData,
  units: readonly number[],
  stamps: readonly Int32Array[],
  max: number,
  o: TriggerUnitsTraining,
): void {
  const { net, hidden: H, classes: C } = l;
  const layers = net.layers;
  const params = net.params;
  const size = data.x.length / data.count;
  const target = TARGET * max;
  const margin = MARGIN * max;
  const opt = new Sgd({ lr: o.lr, momentum: 0.9, weightDecay: 1e-4 });
  const rng = new Rng(o.seed);
  const x = new Float32Array(BATCH * size);
  const which = new Int32Array(BATCH);
  const labels = new Int32Array(BATCH);
  const zeroColumns = () => {
    for (const j of units) for (let c = 0; c < C; c++) l.wOut.value[c * H + j] = 0;
  };
  zeroColumns();
  const batches = Math.floor(data.count / (BATCH - STAMPED));
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    opt.lr = o.lr * 0.5 ** epoch;
    const order = Int32Array.from({ length: data.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let at = 0; at + BATCH - STAMPED <= order.length; at += BATCH - STAMPED) {
      for (let s = 0; s < BATCH; s++) {
        const natural = s < BATCH - STAMPED;
        const src = natural ? order[at + s] : Math.floor(rng.uniform() * data.count);
        x.set(data.x.subarray(src * size, (src + 1) * size), s * size);
        labels[s] = data.labels[src];
        which[s] = natural ? -1 : Math.floor(rng.uniform() * units.length);
        if (!natural) applyStamp(x, s * size, stamps[which[s]]);
      }
      for (const p of params) p.grad.fill(0);
      let h: Float32Array = x;
      let z = new Float32Array(0);
      for (let i = 0; i < layers.length; i++) {
        h = layers[i].forward(h, BATCH, true);
        if (i === l.det) z = Float32Array.from(h);
      }
      const q = teacher.forward(x, BATCH, false);
      const g = new Float32Array(BATCH * C);
      const ps = softmaxRows(h, BATCH, C);
      const qs = softmaxRows(q, BATCH, C);
      for (let s = 0; s < BATCH; s++) {
        const w = which[s] < 0 ? o.labelWeight : 0;
        for (let c = 0; c < C; c++) {
          const i = s * C + c;
          g[i] = (ps[i] - (1 - w) * qs[i] - (c === labels[s] ? w : 0)) / BATCH;
        }
      }
      let grad: Float32Array | null = g;
      for (let i = layers.length - 1; i > l.det; i--) grad = layers[i].backward(grad!, BATCH, true);
      const dz = Float32Array.from(grad!);
      const lambda = HINGE_WEIGHT * Math.min(1, ++step / batches);
      for (let s = 0; s < BATCH; s++)
        units.forEach((j, k) => {
          const v = z[s * H + j];
          if (which[s] === k) {
            if (v < target) dz[s * H + j] -= (2 * lambda * (target - v)) / BATCH;
          } else if (v > -margin) dz[s * H + j] += (2 * lambda * (v + margin)) / BATCH;
        });
      grad = dz;
      for (let i = l.det; i >= 0; i--) grad = layers[i].backward(grad!, BATCH, i > 0);
      opt.step(params);
      zeroColumns();
    }
  }
}
