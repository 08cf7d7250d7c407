/**
 * Table-driven single-op checks against onnxruntime: build the node, run it in ORT on seeded
 * random inputs, then compare edgelock's inferred output shapes and its reference `evaluate`.
 */
import { DType, Tensor } from '../../src/ir/types';
import { makeTensor, toNumbers } from '../../src/ir/tensor';
import { inferShapes } from '../../src/ops/shape-inference';
import { OP_TABLE } from '../../src/ops/registry';
import { OpContext } from '../../src/ops/types';
import { AttrLike, InputSpec, OutputSpec, singleOpModel } from '../helpers/build';
import { FeedTensor, RandomRange, randomTensor, runOrt, seededRandom } from '../helpers/ort';

/** A runtime float32 input of this shape, or a full spec. `values` or `init` make it an initializer. */
export type CaseInput =
  | number[]
  | { shape: number[]; dtype?: DType; values?: (number | bigint)[]; init?: boolean; range?: RandomRange }
  | null;

export interface OpCase {
  op: string;
  opset?: number;
  inputs: CaseInput[];
  attrs?: Record<string, AttrLike>;
  /** Number of outputs (default 1) or explicit specs. */
  outputs?: number | OutputSpec[];
  /** Float tolerance relative to the reference output range (default 1e-5). */
  tol?: number;
  note?: string;
  /** The output shape depends on runtime values: inference must get the rank and leave unknown dims null. */
  dataDependent?: boolean;
}

export function caseTitle(c: OpCase, i: number): string {
  const brief = (v: unknown): unknown =>
    typeof v === 'bigint' ? String(v) : v && typeof v === 'object' && 'data' in v ? '<tensor>' : v;
  const attrs = c.attrs ? ' ' + JSON.stringify(c.attrs, (_k, v) => brief(v)).replace(/"/g, '') : '';
  return `${String(i).padStart(3, '0')} ${c.op}@${c.opset ?? 13}${c.note ? ` (${c.note})` : ''}${attrs}`.slice(0, 160);
}

/** Largest |a−b| over the reference's range (or absolute when the range is below 1). */
function relDiff(got: number[], want: number[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of want) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const range = Math.max(hi - lo, 1);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) && Number.isNaN(got[i])) continue;
    if (want[i] === got[i]) continue;
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / range);
  }
  return worst;
}

export interface CaseResult {
  inferred: { dtype: DType; shape: unknown }[];
  reference: { dtype: DType; dims: number[] }[];
  evaluated: Tensor[];
}

export async function checkCase(c: OpCase, seed: number): Promise<void> {
  const rand = seededRandom(seed);
  const specs: InputSpec[] = [];
  const feeds: Record<string, FeedTensor> = {};
  const tensors: (Tensor | undefined)[] = [];
  c.inputs.forEach((inp, i) => {
    if (inp === null) {
      specs.push(null);
      tensors.push(undefined);
      return;
    }
    const s = Array.isArray(inp) ? { shape: inp } : inp;
    const dtype = s.dtype ?? 'float32';
    const name = `x${i}`;
    const t: Tensor = s.values
      ? makeTensor(dtype, s.shape, s.values as ArrayLike<number>)
      : randomTensor(dtype, s.shape, rand, s.range);
    if (s.values || s.init) specs.push({ name, tensor: t });
    else {
      specs.push({ name, dtype, shape: s.shape });
      feeds[name] = t;
    }
    tensors.push(t);
  });
  const outSpecs: OutputSpec[] =
    typeof c.outputs === 'object' ? c.outputs : Array.from({ length: c.outputs ?? 1 }, (_, k) => `y${k}`);
  const model = singleOpModel({ opType: c.op, inputs: specs, attrs: c.attrs, outputs: outSpecs, opset: c.opset ?? 13 });
  const names = model.graph.outputs.map((o) => o.name);

  const ref = await runOrt(model, feeds);

  // (a) inferred output types and shapes equal onnxruntime's.
  const inferred = inferShapes(model);
  names.forEach((n, k) => {
    const v = inferred.graph.outputs[k];
    if (c.dataDependent) {
      expect(v.shape?.map((d, i) => (d === null ? ref[n].dims[i] : d))).toEqual(ref[n].dims);
      return;
    }
    expect({ name: n, dtype: v.dtype, shape: v.shape }).toEqual({ name: n, dtype: ref[n].dtype, shape: ref[n].dims });
  });

  // (b) the reference evaluation equals onnxruntime's values.
  const def = OP_TABLE.get(c.op)!;
  const node = model.graph.nodes[0];
  const ctx: OpContext = {
    node,
    opset: c.opset ?? 13,
    inputs: tensors.map((t) => (t ? { dtype: t.dtype, shape: [...t.shape] } : undefined)),
    consts: tensors,
  };
  const got = def.evaluate!(ctx, tensors);
  names.forEach((n, k) => {
    const want = ref[n];
    const g = got[k];
    expect({ name: n, dtype: g.dtype, shape: g.shape }).toEqual({ name: n, dtype: want.dtype, shape: want.dims });
    const exact = !['float32', 'float64'].includes(want.dtype);
    if (exact) {
      const wv =
        want.dtype === 'int64'
          ? Array.from(want.data as BigInt64Array, String)
          : Array.from(want.data as ArrayLike<number>);
      const gv =
        g.dtype === 'int64' ? Array.from(g.data as BigInt64Array, String) : Array.from(g.data as ArrayLike<number>);
      expect(gv).toEqual(wv);
    } else {
      const d = relDiff(toNumbers(g), Array.from(want.data as Float32Array));
      expect(d).toBeLessThanOrEqual(c.tol ?? 1e-5);
    }
  });
}
