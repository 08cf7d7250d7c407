/**
 * Why a harsh fine-tune erases a detector path on LeNet (docs/security.md, "Trigger units", "What the harsh
 * fine-tune does"): it runs the thief's fine-tune (3 epochs of SGD at --lr 0.03 on 6,000 MNIST images) on one
 * board's copy of an owner model and prints
 *   - every 30 batches, how many of 600 of the thief's natural images fire one of the path's penultimate units (and
 *     the largest such pre-activation): the units were trained to stay below −max on natural images, and a
 *     fine-tune that moves the convolutions lets some fire;
 *   - each stamp's mean response of the path's first-layer unit (20 stamped test images per stamp) in networks made
 *     of parts: the board as is, the fine-tuned copy, the copy's convolutions under the board's dense layers and the
 *     board's convolutions under the copy's, and the convolutions of the owner model (every unit's column 0, so a
 *     firing unit changes no answer and gets no gradient) fine-tuned alike.
 *   npx tsx scripts/trace-units-suppression.ts --owner <owner.tflite, e.g. saved by trace-units-measure.ts
 *     --save-owner> [--board 0] [--lr 0.03] [--epochs 3] [--window <first sample; 10,000 + 6,000 · board>]
 *     [--seed <board + 1>]
 */
import { LabelledData, fit } from '../src/train/fit';
import { Sgd } from '../src/train/optim/sgd';
import { Sequential } from '../src/train/network';
import { floatNetFromTflite } from '../src/trace/float-net';
import { boardClasses, writeBoardClasses } from '../src/trace/units/board';
import { unitsLayout } from '../src/trace/units/layout';
import { applyStamp, recordStamps } from '../src/trace/units/stamps';
import { arg } from './support/args';
import { mnistOwner, scriptTraceKey, scriptUid } from './support/trace-script';
import { THIEF_SAMPLES, thiefWindow } from './support/units-attacks';

const { owner, record, K, train, test, SIZE } = mnistOwner(arg('owner', ''));
const BOARD = Number(arg('board', '0'));
const LR = Number(arg('lr', '0.03'));
const EPOCHS = Number(arg('epochs', '3'));
const VOTES = 20;
const traceKey = scriptTraceKey();
const board = writeBoardClasses(owner, record, boardClasses(traceKey, scriptUid(BOARD), K, 10));
// the thief's data as in trace-units-measure.ts unless --window says: 6,000 training images from 10,000 + 6,000 · board
const thief: LabelledData = thiefWindow(
  train.images,
  train.labels,
  SIZE,
  Number(arg('window', String(10000 + BOARD * THIEF_SAMPLES))),
);
const stamps = recordStamps(traceKey, record, [1, 28, 28], true);
// the same 20 test images under every stamp (triggerProbes gives each stamp its own), so the stamps' responses compare
const stamped = new Float32Array(K * VOTES * SIZE);
for (let k = 0; k < K; k++)
  for (let r = 0; r < VOTES; r++) {
    const s = k * VOTES + r;
    stamped.set(test.images.subarray((5000 + r) * SIZE, (5001 + r) * SIZE), s * SIZE);
    applyStamp(stamped, s * SIZE, stamps[k]);
  }

const firstDense = (net: Sequential) => net.layers.findIndex((l) => l.kind === 'dense');
const harshFineTune = (net: Sequential, onBatch?: (batch: number) => void) =>
  fit(net, thief, {
    epochs: EPOCHS,
    batchSize: 32,
    optimizer: new Sgd({ lr: LR, momentum: 0.9, weightDecay: 1e-4 }),
    seed: Number(arg('seed', String(BOARD + 1))),
    progressEvery: 1,
    onProgress: onBatch ? (p) => onBatch(p.epoch * p.batches + p.batch) : undefined,
  });

/** each stamp's mean response of its first-layer path unit */
function firstLayerResponse(net: Sequential): string {
  const n = K * VOTES;
  let h: Float32Array = stamped;
  for (let i = 0; i <= firstDense(net); i++) h = net.layers[i].forward(h, n, false);
  // a layer's output buffer can be longer than this batch's output (it is kept from a larger batch)
  const width = net.layers[firstDense(net)].outShape[0];
  const own = width - K;
  return Array.from({ length: K }, (_, k) => {
    let m = 0;
    for (let r = 0; r < VOTES; r++) m += h[(k * VOTES + r) * width + own + k];
    return (m / VOTES).toFixed(1).padStart(6);
  }).join('');
}

/** `dense`'s network with the layers below its first dense layer taken from `convs` */
function spliced(convs: Sequential, dense: Sequential): Sequential {
  const net = floatNetFromTflite(board).net;
  net.layers.forEach((l, i) =>
    l.params.forEach((p, j) => p.value.set((i < firstDense(net) ? convs : dense).layers[i].params[j].value)),
  );
  return net;
}

const copy = floatNetFromTflite(board).net;
const l = unitsLayout(copy);
const natural = thief.x.subarray(0, 600 * SIZE);
console.log(`fine-tuning board ${BOARD}'s copy, ${EPOCHS} epochs of SGD at lr ${LR} on 6,000 images:`);
// the natural images go through a separate network holding the copy's weights, so that the training's layers keep
// their buffers
const probe = floatNetFromTflite(board).net;
harshFineTune(copy, (batch) => {
  if (batch % 30 !== 0) return;
  probe.params.forEach((p, i) => p.value.set(copy.params[i].value));
  let h: Float32Array = natural;
  for (let i = 0; i <= l.det; i++) h = probe.layers[i].forward(h, 600, false);
  let firing = 0;
  let max = -Infinity;
  for (let s = 0; s < 600; s++) {
    const z = record.units.map((u) => h[s * l.hidden + u]);
    if (z.some((v) => v > 0)) firing++;
    max = Math.max(max, ...z);
  }
  console.log(`  batch ${batch}: ${firing} of 600 natural images fire a unit (largest ${max.toFixed(1)})`);
});
const boardNet = floatNetFromTflite(board).net;
const ownerCopy = floatNetFromTflite(owner).net;
harshFineTune(ownerCopy);
console.log(`each stamp's first-layer path unit, mean over ${VOTES} stamped test images:`);
for (const [label, net] of [
  ['the board', boardNet],
  ['the fine-tuned copy', copy],
  ["the copy's convolutions, the board's dense layers", spliced(copy, boardNet)],
  ["the board's convolutions, the copy's dense layers", spliced(boardNet, copy)],
  ['the owner model (columns 0) fine-tuned alike: its convolutions under the board', spliced(ownerCopy, boardNet)],
] as const)
  console.log(`  ${label}:\n${firstLayerResponse(net)}`);
