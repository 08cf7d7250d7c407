/**
 * Calibration: run the (optimised) ONNX model on representative samples in onnxruntime and
 * record the range of every float value, from which quantisation derives int8 parameters.
 *
 * Every node output becomes an extra graph output (untyped; onnxruntime infers the types and
 * only the float32 ones are fetched). Samples run in batches when the model input has a
 * symbolic batch dimension, one by one otherwise. Per value the calibrator streams min/max
 * and, for the percentile and MSE methods, a 2048-bin histogram (src/compiler/quantize/histogram.ts);
 * the method then turns those statistics into a range (src/compiler/quantize/range-methods.ts).
 * Every returned range contains 0.
 */
import { onnx } from 'onnx-proto';
import { EdgelockError } from '../errors';
import { Dim, Model } from '../ir/types';
import { writeOnnx } from '../onnx';
import { DEFAULT_BINS, StreamingHistogram } from './quantize/histogram';
import { Range } from './quantize/params';
import { NEEDS_HISTOGRAM, RANGE_METHODS, RangeMethod } from './quantize/range-methods';
import { checkFinite, emitWarning, extremeRangeWarning } from '../data/sample-check';
import { createSession, ort } from '../onnx/ort-session';

export type { RangeMethod } from './quantize/range-methods';

export interface CalibrationSamples {
  /** Samples in C order, one after another. */
  data: Float32Array;
  count: number;
  /** Shape of one sample: the model input without its batch dimension, or with a batch of 1. */
  sampleShape: number[];
}

export interface CalibrationOptions {
  method: RangeMethod;
  /** Percentile for method 'percentile' (default 99.99): ranges span the (100−p)-th to p-th percentile. */
  percentile?: number;
  /** At most this many samples, spread evenly over the set (default 1000). */
  maxSamples?: number;
  /** Histogram bins (default 2048). */
  bins?: number;
}

export const DEFAULT_MAX_SAMPLES = 1000;
/** Upper bound on float values fetched per run (all recorded tensors together), for batching. */
const BATCH_ELEMENT_BUDGET = 16 * 1024 * 1024;
const MAX_BATCH = 256;

interface InputPlan {
  name: string;
  /** Input shape for one run, with `batch` standing for the batch dimension when symbolic. */
  runShape: (batch: number) => number[];
  batched: boolean;
  sampleSize: number;
}

function fmt(shape: readonly Dim[]): string {
  return `(${shape.map((d) => (d === null ? '?' : d)).join(', ')})`;
}

function planInput(model: Model, samples: CalibrationSamples): InputPlan {
  const inputs = model.graph.inputs;
  if (inputs.length !== 1) {
    throw new EdgelockError(
      'E_CALIB_DATA',
      `calibration feeds one input, the model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const input = inputs[0];
  if (input.dtype !== 'float32')
    throw new EdgelockError(
      'E_CALIB_DATA',
      `model input '${input.name}' is ${input.dtype}; calibration data is float32`,
    );
  if (input.shape === null || input.shape.length === 0) {
    throw new EdgelockError(
      'E_CALIB_DATA',
      `model input '${input.name}' has no known shape to check calibration data against`,
      {},
      'export the model with a fixed input shape',
    );
  }
  const dims = input.shape;
  const symbolicBatch = typeof dims[0] !== 'number';
  const rest = dims.slice(1);
  if (rest.some((d) => typeof d !== 'number')) {
    throw new EdgelockError(
      'E_ONNX_DYNAMIC_SHAPE',
      `model input '${input.name}' has shape ${fmt(dims)}; only the batch dimension may be symbolic`,
    );
  }
  const inner = rest as number[];
  const s = samples.sampleShape;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const batchOne = symbolicBatch || dims[0] === 1;
  const accepted = batchOne ? same(s, inner) || same(s, [1, ...inner]) : same(s, dims as number[]);
  if (!accepted) {
    const expected = batchOne ? `${fmt(inner)} (or ${fmt([1, ...inner])})` : fmt(dims);
    throw new EdgelockError(
      'E_CALIB_DATA',
      `calibration samples have shape ${fmt(s)} but model input '${input.name}' ${fmt(dims)} needs samples of shape ${expected}`,
    );
  }
  const sampleSize = s.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(samples.count) || samples.count < 1)
    throw new EdgelockError('E_CALIB_DATA', 'the calibration set holds no samples');
  if (samples.data.length !== samples.count * sampleSize) {
    throw new EdgelockError(
      'E_CALIB_DATA',
      `calibration data holds ${samples.data.length} values, ${samples.count} samples of ${fmt(s)} need ${samples.count * sampleSize}`,
    );
  }
  return {
    name: input.name,
    batched: symbolicBatch,
    sampleSize,
    runShape: (batch) => (batchOne ? [batch, ...inner] : (dims as number[])),
  };
}

/** Sample indices spread evenly over the set (deterministic). */
export function pickSamples(count: number, maxSamples: number): number[] {
  const n = Math.max(1, Math.min(count, Math.floor(maxSamples)));
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

/** The model with every node output added as a graph output (types left to onnxruntime). */
function instrument(model: Model): Uint8Array {
  const proto = onnx.ModelProto.decode(writeOnnx(model));
  const graph = proto.graph!;
  const present = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  for (const node of model.graph.nodes) {
    for (const out of node.outputs) {
      if (out === '' || present.has(out)) continue;
      present.add(out);
      graph.output!.push(onnx.ValueInfoProto.create({ name: out }));
    }
  }
  return onnx.ModelProto.encode(proto).finish();
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function perSampleElements(shape: readonly (number | string)[] | undefined): number {
  if (!shape) return 1;
  return shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' && d > 0 ? d : 1), 1);
}

export async function calibrate(
  model: Model,
  samples: CalibrationSamples,
  opts: CalibrationOptions,
): Promise<Map<string, Range>> {
  const rangeOf = RANGE_METHODS[opts.method];
  if (!rangeOf)
    throw new EdgelockError(
      'E_USAGE',
      `unknown calibration method '${opts.method}' (known: ${Object.keys(RANGE_METHODS).join(', ')})`,
    );
  if (opts.percentile !== undefined && !(opts.percentile > 50 && opts.percentile <= 100)) {
    throw new EdgelockError('E_USAGE', `percentile ${opts.percentile} is outside (50, 100]`);
  }
  const plan = planInput(model, samples);
  checkFinite(samples.data, plan.sampleSize, 'the calibration data');
  const extreme = extremeRangeWarning(samples.data, 'calibration data');
  if (extreme) emitWarning('W_DATA_RANGE', extreme);
  const bins = NEEDS_HISTOGRAM[opts.method] ? (opts.bins ?? DEFAULT_BINS) : 0;
  const picked = pickSamples(samples.count, opts.maxSamples ?? DEFAULT_MAX_SAMPLES);

  const { Tensor } = ort();
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await createSession(instrument(model), { graphOptimizationLevel: 'disabled' });
  } catch (e) {
    throw new EdgelockError('E_RUNTIME', `onnxruntime could not load the model for calibration: ${messageOf(e)}`);
  }
  try {
    const meta = session.outputMetadata as readonly {
      name: string;
      isTensor: boolean;
      type?: string;
      shape?: readonly (number | string)[];
    }[];
    const floatOutputs = meta.filter((m) => m.isTensor && m.type === 'float32');
    const fetches = floatOutputs.map((m) => m.name);
    const stats = new Map<string, StreamingHistogram>();
    stats.set(plan.name, new StreamingHistogram(bins));
    for (const name of fetches) stats.set(name, new StreamingHistogram(bins));

    const perSample = floatOutputs.reduce((a, m) => a + perSampleElements(m.shape), plan.sampleSize);
    const batch = plan.batched ? Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_ELEMENT_BUDGET / perSample))) : 1;
    const buffer = new Float32Array(batch * plan.sampleSize);
    for (let start = 0; start < picked.length; start += batch) {
      const n = Math.min(batch, picked.length - start);
      const feed = n === batch ? buffer : new Float32Array(n * plan.sampleSize);
      for (let k = 0; k < n; k++) {
        const at = picked[start + k] * plan.sampleSize;
        feed.set(samples.data.subarray(at, at + plan.sampleSize), k * plan.sampleSize);
      }
      record(stats, plan.name, feed);
      let results: Record<string, { data: unknown }>;
      try {
        results = await session.run({ [plan.name]: new Tensor('float32', feed, plan.runShape(n)) }, fetches);
      } catch (e) {
        throw new EdgelockError(
          'E_RUNTIME',
          `onnxruntime failed on calibration sample ${picked[start]}: ${messageOf(e)}`,
        );
      }
      for (const name of fetches) record(stats, name, results[name].data as Float32Array);
    }

    const ranges = new Map<string, Range>();
    for (const [name, h] of stats) {
      const r = rangeOf(h, { percentile: opts.percentile });
      const observed = h.count > 0 ? { min: Math.max(h.min, r.min), max: Math.min(h.max, r.max) } : { min: 0, max: 0 };
      ranges.set(name, { min: Math.min(0, r.min), max: Math.max(0, r.max), observed });
    }
    return ranges;
  } finally {
    await session.release();
  }
}

function record(stats: Map<string, StreamingHistogram>, name: string, values: Float32Array): void {
  try {
    stats.get(name)!.add(values);
  } catch {
    throw new EdgelockError('E_QUANT_RANGE', `value '${name}' is not finite (NaN or infinity) on the calibration data`);
  }
}
