/**
 * Quiet carriers: the carrier weights through which no gradient flows on the owner's data — weights whose input
 * is zero on every sample (an image border that is always blank, a feature that never fires) or whose unit never
 * fires. Fine-tuning on data of that distribution cannot move them (their gradient is exactly zero; only weight
 * decay shrinks them), and a code on them costs no accuracy on such data however large it is, so they carry the
 * code at `amplitude` steps instead of one. Inputs off the data distribution (uniform noise probes) do reach them:
 * black-box tracing of a fine-tuned copy reads the code there (docs/security.md, "Tracing a leaked model").
 *
 * Which weights are quiet is a pure function of the base model and the named data set (one backward pass of the
 * float network per batch of samples, with a fixed pseudo-random output gradient), so the factory and the tracer
 * find the same set.
 */
import { loadDataset } from '../data/dataset';
import { EdgelockError } from '../errors';
import { readTflite } from '../tflite/reader';
import { CarrierSet } from './weight-tensors';
import { floatNetFromTflite, toNetLayout } from './float-net';
import { toModelInputs } from './natural-inputs';
import { QuietParams } from './params';
import { pixelPathOutputs } from './units/path-rows';

const BATCH = 50;

/** 1 where carrier j gets no gradient on any of the `count` samples (model layout), else 0. */
export function quietMask(base: Uint8Array, set: CarrierSet, samples: Float32Array, count: number): Uint8Array {
  const fn = floatNetFromTflite(base);
  const byW = new Map(fn.bindings.map((b) => [b.w, b]));
  const grad = set.carriers.map((c) => byW.get(c.w)!.weight.grad);
  const at = set.carriers.map((c) => byW.get(c.w)!.toParam(c.i));
  const size = samples.length / count;
  const classes = fn.net.outputSize;
  const x = toNetLayout(samples, count, fn.modelInputShape);
  const active = new Uint8Array(set.carriers.length);
  let state = 0x9e3779b9;
  for (let s = 0; s < count; s += BATCH) {
    const n = Math.min(BATCH, count - s);
    fn.net.zeroGrad();
    fn.net.forward(x.subarray(s * size, (s + n) * size), n, true);
    const dOut = new Float32Array(n * classes);
    for (let i = 0; i < dOut.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      dOut[i] = (state >>> 8) / 2 ** 24 + 0.5;
    }
    fn.net.backward(dOut, n);
    for (let j = 0; j < active.length; j++) if (grad[j][at[j]] !== 0) active[j] = 1;
  }
  fn.net.zeroGrad();
  return active.map((a) => 1 - a);
}

/** The first `p.samples` samples of `p.data`, in the model's input layout. */
export function quietSamples(base: Uint8Array, p: QuietParams): { x: Float32Array; count: number } {
  const ds = loadDataset(p.data);
  const info = readTflite(base);
  const sg = info.subgraphs[0];
  const inShape = sg.tensors[sg.inputs[0]].shape;
  const size = inShape.slice(1).reduce((a, b) => a * b, 1);
  const sampleSize = ds.sampleShape.reduce((a, b) => a * b, 1);
  if (sampleSize !== size)
    throw new EdgelockError(
      'E_TRACE_MODEL',
      `the quiet-carrier data '${p.data}' has samples [${ds.sampleShape}], the model input is [${inShape}]`,
    );
  const count = Math.min(p.samples, ds.count);
  return { x: toModelInputs(info, ds.data, count, ds.sampleShape), count };
}

/** Each carrier's amplitude: `p.amplitude` steps on quiet carriers (less where the int8 range ends), 1 elsewhere and,
 * under rule 2 (QuietParams.rule), on a pixel path's rows (units/path-rows.ts). */
export function quietAmplitudes(base: Uint8Array, set: CarrierSet, p: QuietParams): Uint8Array {
  const { x, count } = quietSamples(base, p);
  const quiet = quietMask(base, set, x, count);
  // rule 1 (packages marked before the path's rows were set aside) gives them the amplitude too
  const onPath = (p.rule ?? 1) >= 2 ? pixelPathOutputs(readTflite(base), set.tensors) : () => false;
  const views = set.tensors.map((t) => new Int8Array(base.buffer, base.byteOffset + t.at, t.count));
  return Uint8Array.from(set.carriers, (c, j) =>
    quiet[j] && !onPath(c.w, c.i) ? Math.max(1, Math.min(p.amplitude, 127 - Math.abs(views[c.w][c.i]))) : 1,
  );
}
