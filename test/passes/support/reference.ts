import * as ort from 'onnxruntime-node';
import { Model } from '../../../src/ir/types';
import { shapeSize } from '../../../src/ir/tensor';
import { writeOnnx } from '../../../src/onnx/writer';
import { rng, uniform } from './rng';

export type Feeds = Record<string, ort.Tensor>;

/** Seeded uniform [-1, 1) float inputs; symbolic or unknown dimensions become `dynamicDim`. */
export function seededFeeds(model: Model, seed: number, dynamicDim = 2): Feeds {
  const next = rng(seed);
  const feeds: Feeds = {};
  for (const v of model.graph.inputs) {
    if (v.dtype !== 'float32' || v.shape === null) throw new Error(`fixture input '${v.name}' must be float32 with a known rank`);
    const shape = v.shape.map((d) => (typeof d === 'number' ? d : dynamicDim));
    feeds[v.name] = new ort.Tensor('float32', uniform(next, shapeSize(shape)), shape);
  }
  return feeds;
}

export async function runModel(model: Model, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(writeOnnx(model), { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/**
 * Runs both models in onnxruntime on the same seeded inputs and checks every graph output:
 * same shape, and max |after - before| ≤ 1e-5 × the range of the reference output.
 */
export async function expectSameOutputs(before: Model, after: Model, seed = 42, dynamicDim = 2): Promise<void> {
  const feeds = seededFeeds(before, seed, dynamicDim);
  const ref = await runModel(before, feeds);
  const got = await runModel(after, feeds);
  expect(after.graph.outputs.map((v) => v.name)).toEqual(before.graph.outputs.map((v) => v.name));
  for (const v of before.graph.outputs) {
    const r = ref[v.name];
    const o = got[v.name];
    expect(o.dims).toEqual(r.dims);
    const rd = r.data as Float32Array;
    const od = o.data as Float32Array;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of rd) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    const range = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
    let maxDiff = 0;
    for (let i = 0; i < rd.length; i++) maxDiff = Math.max(maxDiff, Math.abs(od[i] - rd[i]));
    expect({ output: v.name, relDiff: maxDiff / range <= 1e-5 ? 'ok' : maxDiff / range }).toEqual({ output: v.name, relDiff: 'ok' });
  }
}
