/**
 * Runs ONNX models in onnxruntime-node, the reference every op and pass test is held to.
 * Sessions are created from bytes (fast, no files); graph optimisations are off by default so the
 * reference computes the graph exactly as written. (The jest environment test/helpers/ort-environment.js
 * shares the host realm's typed arrays, which onnxruntime-node's binding returns.)
 */
import * as ort from 'onnxruntime-node';
import { DType, Model, TensorArray } from '../../src/ir/types';
import { allocArray, shapeSize } from '../../src/ir/tensor';
import { writeOnnx } from '../../src/onnx/writer';
import { rng } from './rng';

export interface FeedTensor {
  dtype: DType;
  shape: number[];
  data: TensorArray;
}

export interface OrtOutput {
  dtype: DType;
  dims: number[];
  data: TensorArray;
}

export interface RunOrtOptions {
  /** onnxruntime graph optimisation level (default 'disabled'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

const ORT_TYPES: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
};

const DTYPE_OF = new Map<string, DType>(Object.entries(ORT_TYPES).map(([k, v]) => [v, k as DType]));

/** Runs `modelOrBytes` on `feeds` and returns every graph output by name. */
export async function runOrt(
  modelOrBytes: Model | Uint8Array,
  feeds: Record<string, FeedTensor>,
  options: RunOrtOptions = {},
): Promise<Record<string, OrtOutput>> {
  const bytes = modelOrBytes instanceof Uint8Array ? modelOrBytes : writeOnnx(modelOrBytes);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: options.optimization ?? 'disabled',
    logSeverityLevel: 3,
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(ORT_TYPES[f.dtype], f.data as ort.Tensor.DataType, f.shape);
    }
    const res = await session.run(ortFeeds);
    const out: Record<string, OrtOutput> = {};
    for (const [name, t] of Object.entries(res)) {
      const dtype = DTYPE_OF.get(t.type);
      if (!dtype) throw new Error(`onnxruntime returned output '${name}' of type ${t.type}`);
      out[name] = { dtype, dims: [...t.dims], data: t.data as TensorArray };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** A one-input, one-output float model run on `n` samples at once: its batch dimension set to n, the samples `x`
 * one after another (each of the input's sample shape), the outputs one after another. */
export async function runOrtBatch(model: Model, x: Float32Array, n: number): Promise<Float32Array> {
  const [input, output] = [model.graph.inputs[0], model.graph.outputs[0]];
  const inShape = [n, ...(input.shape ?? []).slice(1)] as number[];
  const batched: Model = {
    ...model,
    graph: {
      ...model.graph,
      inputs: [{ ...input, shape: inShape }],
      outputs: [{ ...output, shape: output.shape && [n, ...output.shape.slice(1)] }],
    },
  };
  const out = await runOrt(batched, { [input.name]: { dtype: 'float32', shape: inShape, data: x } });
  return out[output.name].data as Float32Array;
}

/** The tests' seeded generator (test/helpers/rng.ts) under the name the op and compiler tests use. */
export const seededRandom = rng;

export interface RandomRange {
  /** Floats are uniform in [min, max) (default [-1, 1)); integers uniform in [min, max] (default [0, 9]). */
  min?: number;
  max?: number;
}

/** A random tensor of the given dtype and static shape. */
export function randomTensor(dtype: DType, shape: number[], rand: () => number, range: RandomRange = {}): FeedTensor {
  const n = shapeSize(shape);
  const data = allocArray(dtype, n);
  const isFloat = dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
  const lo = range.min ?? (isFloat ? -1 : 0);
  const hi = range.max ?? (isFloat ? 1 : 9);
  for (let i = 0; i < n; i++) {
    if (dtype === 'int64') (data as BigInt64Array)[i] = BigInt(lo + Math.floor(rand() * (hi - lo + 1)));
    else if (dtype === 'bool') (data as Uint8Array)[i] = rand() < 0.5 ? 1 : 0;
    else if (dtype === 'float16') throw new Error('randomTensor: float16 feeds are not supported');
    else if (isFloat) (data as Float32Array)[i] = lo + rand() * (hi - lo);
    else (data as Int32Array)[i] = lo + Math.floor(rand() * (hi - lo + 1));
  }
  return { dtype, shape: [...shape], data };
}

/** Seeded random feeds for every graph input; symbolic or unknown dims become `symbolicDim` (default 1). */
export function randomFeeds(
  model: Model,
  seed: number,
  range: RandomRange = {},
  symbolicDim = 1,
): Record<string, FeedTensor> {
  const rand = seededRandom(seed);
  const feeds: Record<string, FeedTensor> = {};
  for (const v of model.graph.inputs) {
    if (!v.shape) throw new Error(`randomFeeds: input '${v.name}' has unknown rank`);
    const shape = v.shape.map((d) => (typeof d === 'number' ? d : symbolicDim));
    feeds[v.name] = randomTensor(v.dtype, shape, rand, range);
  }
  return feeds;
}
