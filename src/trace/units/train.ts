/**
 * The owner's one-time training of trigger units (docs/security.md, "Trigger units"). Unit k of each hinged layer is
 * trained to reach a target on any image carrying stamp k and to stay below −margin × max on natural images and on
 * the other stamps (margin 1 for a detector path, 1/4 for least-used units), max being the layer's natural maximum
 * activation (squared hinges, their weight ramped up over the first epoch). The penultimate layer's target is
 * (widen + 0.2) × max, past the int8 range compile widens; a detector path's earlier layers aim at 0.8 × max, inside
 * the range calibrated on natural inputs. Two plans:
 *   - a detector path (widen.ts): the units were added beside the model's own; only their incoming weights and biases
 *     train, everything else is held, so the model's answers to natural inputs do not change at all;
 *   - least-used units: the penultimate layer's units the model uses least are set aside, their outgoing weights held
 *     at 0, and the whole network trains, learning the true labels of natural images and answering stamped images as
 *     the base model does (distillation).
 * A quarter of each batch is stamped. SGD with momentum 0.9, the learning rate halved each epoch.
 */
import { LabelledData } from '../../train/fit';
import { softmaxRows } from '../../train/loss';
import { Sgd } from '../../train/optim/sgd';
import { Rng } from '../../train/rng';
import { Param } from '../../train/layer';
import { Sequential } from '../../train/network';
import { UnitsLayout, detectorInputs } from './layout';
import { PATH_LEVELS, TriggerUnitsTraining } from './params';
import { Stamp, applyStamp } from './stamps';

const BATCH = 64;
const STAMPED = 16;
const HINGE_WEIGHT = 0.1;
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

/** The largest natural pre-activation of layer `layer` over the first samples of `data`. */
export function naturalMax(net: Sequential, layer: number, data: Pick<LabelledData, 'x' | 'count'>): number {
  const n = Math.min(RANKING_SAMPLES, data.count);
  const size = data.x.length / data.count;
  let h = data.x.subarray(0, n * size);
  for (let i = 0; i <= layer; i++) h = net.layers[i].forward(h, n, false);
  return h.reduce((m, v) => Math.max(m, v), 0);
}

/** A layer whose units `units[k]` learn stamp k; `max` is its natural maximum. */
export interface HingedLayer {
  layer: number;
  units: readonly number[];
  max: number;
}

/**
 * What trains. `trainable` null: the whole network (least-used plan, with `heldColumns` of the last layer at 0);
 * otherwise only the entries marked 1 in each listed parameter's mask (detector path), every other value held.
 */
export interface TrainingPlan {
  hinged: readonly HingedLayer[];
  trainable: Map<Param, Uint8Array> | null;
  heldColumns: readonly number[];
  /** off means below −margin × max on natural inputs and the other stamps */
  margin: number;
}

/** Trains `l`'s network in place (see the header); `teacher` is the base model's network. */
export function trainTriggerUnits(
  l: UnitsLayout,
  teacher: Sequential,
  data: LabelledData,
  plan: TrainingPlan,
  stamps: readonly Stamp[],
  o: TriggerUnitsTraining,
): void {
  const { net, hidden: H, classes: C } = l;
  const layers = net.layers;
  const params = net.params;
  const size = data.x.length / data.count;
  const held = plan.trainable === null ? null : params.map((p) => Float32Array.from(p.value));
  const hold = () =>
    params.forEach((p, i) => {
      const mask = plan.trainable!.get(p);
      for (let j = 0; j < p.value.length; j++) if (!mask || !mask[j]) p.value[j] = held![i][j];
    });
  const opt = new Sgd({ lr: o.lr, momentum: 0.9, weightDecay: 1e-4 });
  const rng = new Rng(o.seed);
  const x = new Float32Array(BATCH * size);
  const which = new Int32Array(BATCH);
  const labels = new Int32Array(BATCH);
  const zeroColumns = () => {
    for (const j of plan.heldColumns) for (let c = 0; c < C; c++) l.wOut.value[c * H + j] = 0;
  };
  const hinged = new Map(plan.hinged.map((h) => [h.layer, h]));
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
        which[s] = natural ? -1 : Math.floor(rng.uniform() * stamps.length);
        if (!natural) applyStamp(x, s * size, stamps[which[s]]);
      }
      for (const p of params) p.grad.fill(0);
      let h: Float32Array = x;
      const z = new Map<number, Float32Array>();
      for (let i = 0; i < layers.length; i++) {
        h = layers[i].forward(h, BATCH, true);
        if (hinged.has(i)) z.set(i, Float32Array.from(h));
      }
      // the answers: learnt only when the whole network trains (a detector path cannot change them)
      const g = new Float32Array(BATCH * C);
      if (plan.trainable === null) {
        const ps = softmaxRows(h, BATCH, C);
        const qs = softmaxRows(teacher.forward(x, BATCH, false), BATCH, C);
        for (let s = 0; s < BATCH; s++) {
          const w = which[s] < 0 ? o.labelWeight : 0;
          for (let c = 0; c < C; c++) {
            const i = s * C + c;
            g[i] = (ps[i] - (1 - w) * qs[i] - (c === labels[s] ? w : 0)) / BATCH;
          }
        }
      }
      const lambda = HINGE_WEIGHT * Math.min(1, ++step / batches);
      let grad: Float32Array | null = g;
      // a detector path trains nothing below its first layer
      const lowest = plan.trainable === null ? 0 : Math.min(...hinged.keys());
      for (let i = layers.length - 1; i >= lowest; i--) {
        const hl = hinged.get(i);
        if (hl) {
          const width = z.get(i)!.length / BATCH;
          const dz = Float32Array.from(grad!);
          const zi = z.get(i)!;
          const target = (i === l.det ? o.widen + PATH_LEVELS.overRange : PATH_LEVELS.inner) * hl.max;
          const margin = plan.margin * hl.max;
          for (let s = 0; s < BATCH; s++)
            hl.units.forEach((j, k) => {
              const v = zi[s * width + j];
              if (which[s] === k) {
                if (v < target) dz[s * width + j] -= (2 * lambda * (target - v)) / BATCH;
              } else if (v > -margin) dz[s * width + j] += (2 * lambda * (v + margin)) / BATCH;
            });
          grad = dz;
        }
        grad = layers[i].backward(grad!, BATCH, i > lowest);
      }
      opt.step(params);
      if (held) hold();
      zeroColumns();
    }
  }
}
