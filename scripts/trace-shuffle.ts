/**
 * Measures white-box tracing against a thief who re-orders and re-scales the hidden units of a leaked model (the
 * network's free symmetries; docs/security.md, "Tracing a leaked model to its board"):
 *   npx tsx scripts/trace-shuffle.ts --base <compiled int8 .tflite> [--devices 1000] [--leaks 10] [--scale 0.5,1]
 *     [--fine-tunes 3] [--ft-epochs 2] [--ft-lr 0.01] [--quiet <owner data, e.g. mnist-train>]
 *     [--widen <units> [--widen-conv <channels>] [--split 1] --architecture <the base's ONNX, e.g. models/mnist-lenet.onnx>]
 *     [--deepen <layer indices, e.g. 0,2> --architecture <the base's ONNX>]
 * For each leaked board's model: the shuffled copy's answers against the unshuffled one's in the TFLite runtime
 * (exactly equal when only re-ordered), and the white-box score read in place (as before the alignment) and with
 * the units put back (src/trace/align.ts); then the same after fine-tuning the shuffled copy on 10% of MNIST train.
 * With --widen, every hidden dense layer first gets that many units more, and with --widen-conv every convolution
 * that many output channels more (widenHidden: recompiled to int8, so the answers are compared by accuracy only);
 * with --split 1 the new units are split-off halves of existing ones (Net2Net) instead of new random units. With
 * --deepen, an identity layer and a ReLU are added after each listed Conv/Gemm of the architecture (deepenHidden,
 * Net2Net deepening; not with --widen), recompiled to int8.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { deriveTraceKey } from '../src/keys/derive';
import { readOnnx } from '../src/onnx';
import { deepenHidden, fineTune, shuffleUnits, widenHidden } from '../src/trace/attacks';
import { carriersOf } from '../src/trace/carriers';
import { deviceCode } from '../src/trace/code';
import { embedTraceCode } from '../src/trace/embed';
import { DEFAULT_TRACE_PARAMS, describeParams, quietTraceParams } from '../src/trace/params';
import { familyP } from '../src/trace/score';
import { fileVictim } from '../src/trace/victims';
import { whiteBoxReading } from '../src/trace/whitebox';
import { mnistTestAccuracy, simulatedUids } from '../test/helpers/mnist-boards';
import { arg } from './support/args';

const base = new Uint8Array(readFileSync(arg('base', '')));
const N = Number(arg('devices', '1000'));
const L = Number(arg('leaks', '10'));
const FT = Number(arg('fine-tunes', '3'));
const FT_EPOCHS = Number(arg('ft-epochs', '2'));
const FT_LR = Number(arg('ft-lr', '0.01'));
const SCALE = arg('scale', '1,1').split(',').map(Number) as [number, number];
const alpha = 1e-6;
const WIDEN = Number(arg('widen', '0'));
const WIDEN_CONV = Number(arg('widen-conv', '0'));
const SPLIT = arg('split', '0') !== '0';
const DEEPEN = arg('deepen', '') ? arg('deepen', '').split(',').map(Number) : [];
const ARCH = WIDEN > 0 || WIDEN_CONV > 0 || DEEPEN.length > 0 ? readOnnx(readFileSync(arg('architecture', ''))) : null;
const PAR = arg('quiet', '') ? quietTraceParams(arg('quiet', '')) : DEFAULT_TRACE_PARAMS;
const master = Buffer.alloc(32, 0x5a);
const tk = deriveTraceKey(master);
const uids = simulatedUids('ed9e', N);
const set = carriersOf(base, tk, PAR);
const K = set.carriers.length;
const codes = uids.map((u) => deviceCode(tk, Buffer.from(u, 'hex'), K));
const test = loadMnist('test');
const train = loadMnist('train');

function score(e: Float64Array, truth: number): { z: number; innocent: number; named: boolean } {
  let en = 0;
  for (const v of e) en += v * v;
  const norm = Math.sqrt(en) || 1;
  const zs = codes.map((c) => {
    let s = 0;
    for (let j = 0; j < K; j++) s += c[j] * e[j];
    return s / norm;
  });
  const innocent = Math.max(...zs.filter((_, d) => d !== truth));
  const named = zs.map((z, d) => ({ z, d })).filter((x) => familyP(x.z, N) <= alpha);
  return { z: zs[truth], innocent, named: named.length === 1 && named[0].d === truth };
}

/** Output scores on the first n test images (dequantised int8: equal scores are equal int8 outputs). */
async function answers(model: Uint8Array, n: number): Promise<Float32Array> {
  const v = await fileVictim(model);
  try {
    return await v.query(test.images.subarray(0, n * 784), n);
  } finally {
    v.dispose();
  }
}

/** The leaked model widened and deepened as the options say (recompiled), or as it is. */
async function changed(
  m: Uint8Array,
  seed: number,
  calibration: { data: Float32Array; count: number; sampleShape: number[] },
): Promise<Uint8Array> {
  if (!ARCH) return m;
  const wide =
    WIDEN || WIDEN_CONV
      ? await widenHidden(m, ARCH, { dense: WIDEN, conv: WIDEN_CONV, split: SPLIT }, seed, calibration)
      : m;
  // deepening writes the leak's weights into ARCH, which a widened copy no longer fits
  if (DEEPEN.length && wide !== m) throw new Error('--deepen with --widen is not supported');
  return DEEPEN.length ? deepenHidden(wide, ARCH, DEEPEN, calibration) : wide;
}

const fmt = (r: { z: number; innocent: number; named: boolean }) =>
  `z ${r.z.toFixed(1)} (best innocent ${r.innocent.toFixed(2)}) ${r.named ? 'named' : 'not named'}`;

async function main() {
  console.log(
    `model ${arg('base', '')}: ${K} carriers, ${N} candidate devices, ${describeParams(PAR)}, unit scale [${SCALE.join(', ')}]`,
  );
  for (let d = 0; d < L; d++) {
    const m = embedTraceCode(base, tk, Buffer.from(uids[d], 'hex'), PAR).bytes;
    const calibration = { data: train.images.subarray(0, 500 * 784), count: 500, sampleShape: [1, 28, 28] };
    const wide = await changed(m, 3000 + d, calibration);
    const s = shuffleUnits(wide, { seed: 1000 + d, scale: SCALE });
    const [a, b] = await Promise.all([answers(m, 500), answers(s, 500)]);
    let same = 0;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) same++;
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    const inPlaceText = ARCH
      ? 'in place: refused (other shapes)'
      : `in place ${fmt(score(whiteBoxReading(s, base, set, false).evidence, d))}`;
    const acc =
      d < 3
        ? ` accuracy ${(100 * (await mnistTestAccuracy(s))).toFixed(2)}% (leaked ${(100 * (await mnistTestAccuracy(m))).toFixed(2)}%)`
        : '';
    const r = whiteBoxReading(s, base, set);
    console.log(
      `leak ${d}: output scores equal on ${same}/${a.length} (max difference ${maxDiff.toPrecision(3)})${acc}; ${inPlaceText}; ` +
        `aligned=${r.aligned} ${fmt(score(r.evidence, d))}; unshuffled dump ${fmt(score(whiteBoxReading(m, base, set).evidence, d))}`,
    );
  }
  for (let d = 0; d < FT; d++) {
    const m = embedTraceCode(base, tk, Buffer.from(uids[d], 'hex'), PAR).bytes;
    const off = (d * 7919) % 54000;
    const data = {
      x: train.images.subarray(off * 784, (off + 6000) * 784),
      labels: train.labels.subarray(off, off + 6000),
      count: 6000,
    };
    const calibration = { data: train.images.subarray(0, 500 * 784), count: 500, sampleShape: [1, 28, 28] };
    const wide = await changed(m, 4000 + d, calibration);
    const tuned = fineTune(shuffleUnits(wide, { seed: 2000 + d, scale: SCALE }), data, {
      epochs: FT_EPOCHS,
      lr: FT_LR,
      seed: 100 + d,
    });
    const r = whiteBoxReading(tuned, base, set);
    const acc = (100 * (await mnistTestAccuracy(tuned, 2000))).toFixed(2);
    const inPlace = ARCH
      ? 'in place: refused (other shapes)'
      : `in place ${fmt(score(whiteBoxReading(tuned, base, set, false).evidence, d))}`;
    const widened =
      (WIDEN || WIDEN_CONV
        ? `${SPLIT ? 'split' : 'widened'} by ${WIDEN} units${WIDEN_CONV ? ` and ${WIDEN_CONV} channels` : ''}, `
        : '') + (DEEPEN.length ? `deepened after layers ${DEEPEN.join(', ')}, ` : '');
    console.log(
      `${widened}shuffled then fine-tuned (6k, ${FT_EPOCHS} epochs, lr ${FT_LR}) ${d}: ` +
        `accuracy ${acc}% (2k); ${inPlace}; aligned=${r.aligned} ${fmt(score(r.evidence, d))}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
