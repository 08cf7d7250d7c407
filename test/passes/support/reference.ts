import { Model, TensorArray } from '../../../src/ir/types';
import { randomFeeds, runOrt } from '../../helpers/ort';

function numeric(d: TensorArray): ArrayLike<number> {
  return d instanceof BigInt64Array ? Array.from(d, Number) : d;
}

/**
 * Runs both models in onnxruntime on the same seeded random inputs (symbolic dims set to
 * `symbolicDim`) and checks every graph output: same shape, and
 * max |after - before| ≤ 1e-5 × the range of the reference output.
 */
export async function expectSameOutputs(before: Model, after: Model, seed = 42, symbolicDim = 2): Promise<void> {
  const feeds = randomFeeds(before, seed, {}, symbolicDim);
  const ref = await runOrt(before, feeds);
  const got = await runOrt(after, feeds);
  expect(after.graph.outputs.map((v) => v.name)).toEqual(before.graph.outputs.map((v) => v.name));
  for (const v of before.graph.outputs) {
    const r = ref[v.name];
    const o = got[v.name];
    expect({ output: v.name, dtype: o.dtype, dims: o.dims }).toEqual({ output: v.name, dtype: r.dtype, dims: r.dims });
    const rd = numeric(r.data);
    const od = numeric(o.data);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < rd.length; i++) {
      if (rd[i] < lo) lo = rd[i];
      if (rd[i] > hi) hi = rd[i];
    }
    const range = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
    let maxDiff = 0;
    for (let i = 0; i < rd.length; i++) maxDiff = Math.max(maxDiff, Math.abs(od[i] - rd[i]));
    expect({ output: v.name, relDiff: maxDiff / range <= 1e-5 ? 'ok' : maxDiff / range }).toEqual({
      output: v.name,
      relDiff: 'ok',
    });
  }
}
