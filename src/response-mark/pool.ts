/**
 * The owner's pool of natural inputs, seen as a marking board sees them: every sample quantised into the base model's
 * int8 input exactly as the host sends it to a board (toModelLayout, then the input's scale and zero point: the bytes
 * an attacker's RUN carries) and coarsened for the keyed decision. The base model's own arg-max (official TFLite
 * runtime) gives the keyed class of the samples a key marks. The method needs the owner to hold inputs the attacker
 * queried: a copy repeats the marked answers it was trained on, not others.
 */
import { Dataset, loadDataset } from '../data/dataset';
import { EdgelockError } from '../errors';
import { ResponseMarkParams } from '../package/response-mark';
import { Dequant, quantizeAffine, tensorDequant, toModelLayout } from '../tflite/affine';
import { TfliteOracle } from '../tflite/oracle';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { BaseAnswer, answerOf, baseAnswers } from './base-answers';
import { coarseInput } from './decision';

export interface MarkPool {
  /** the datasets it was loaded from */
  names: string[];
  count: number;
  /** per-sample shape in the ONNX layout (the datasets') */
  sampleShape: number[];
  /** the samples, C order, one after another (float, as the datasets hold them) */
  samples: Float32Array;
  classes: number;
  /** per sample: the coarsened int8 input the decision hashes */
  coarse: Buffer[];
  /** the base model's arg-max of the given samples (computed on demand, cached) */
  baseArgmax(indices: readonly number[]): number[];
  /** the base model's margin (top score − second score, in its output's units) on the given samples (cached) */
  baseMargin(indices: readonly number[]): number[];
  /** the base model's runner-up (runnerUp in decision.ts) on the given samples (cached) */
  baseRunnerUp(indices: readonly number[]): number[];
  /** the base model's log-probabilities (classes per input) on the given samples (cached) */
  baseLogProbs(indices: readonly number[]): Float32Array[];
  /** computes and caches the base model's answers on these samples ahead, on worker threads when they are many */
  prepareBase?(indices: readonly number[]): Promise<void>;
  dispose(): void;
}

function concat(sets: Dataset[]): { samples: Float32Array; sampleShape: number[]; count: number } {
  const size = sets[0].data.length / sets[0].count;
  for (const s of sets)
    if (s.sampleShape.join('x') !== sets[0].sampleShape.join('x'))
      throw new EdgelockError(
        'E_DATA_SHAPE',
        `pool '${s.name}' has samples [${s.sampleShape}], '${sets[0].name}' [${sets[0].sampleShape}]`,
      );
  const count = sets.reduce((n, s) => n + s.count, 0);
  const samples = new Float32Array(count * size);
  let at = 0;
  for (const s of sets) {
    samples.set(s.data, at);
    at += s.data.length;
  }
  return { samples, sampleShape: sets[0].sampleShape, count };
}

/** The pool's samples as the int8 inputs a board running `base` receives (one quantised input, any layout). */
export function quantisedPool(
  base: Uint8Array,
  pool: string[],
  limit?: number,
): {
  joined: { samples: Float32Array; sampleShape: number[]; count: number };
  count: number;
  size: number;
  classes: number;
  inputShape: number[];
  int8: (i: number) => Int8Array;
  dequant: Dequant;
} {
  const model = readTflite(base);
  const sg = model.subgraphs[0];
  const input = sg?.tensors[sg.inputs[0]];
  const output = sg?.tensors[sg.outputs[0]];
  if (!sg || sg.inputs.length !== 1 || input.dtype !== 'int8' || !input.quantization?.scale.length)
    throw new EdgelockError('E_USAGE', 'the base model must be an int8 .tflite with one quantised input');
  const classes = output.shape.reduce((a, b) => a * b, 1);
  const layout = recordedInputLayouts(model.metadata)?.[0];
  const joined = concat(pool.map((p) => loadDataset(p)));
  const count = Math.min(joined.count, limit ?? joined.count);
  const size = joined.samples.length / joined.count;
  if (size !== input.shape.reduce((a, b) => a * b, 1))
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the pool's samples have ${size} values, the base model's input [${input.shape}] takes ${input.shape.reduce((a, b) => a * b, 1)}`,
    );
  const { scale, zeroPoint } = input.quantization;
  const int8 = (i: number) =>
    Int8Array.from(
      quantizeAffine(
        toModelLayout(joined.samples.subarray(i * size, (i + 1) * size), joined.sampleShape, input.shape, layout),
        scale[0],
        zeroPoint[0],
      ),
    );
  const dequant = tensorDequant(output);
  return { joined, count, size, classes, inputShape: input.shape, int8, dequant };
}

/** The coarsened inputs (coarseInput) of a dataset as a board running `base` sees them: a calibration reference. */
export function poolCodes(
  base: Uint8Array,
  pool: string[],
  params: Pick<ResponseMarkParams, 'groups' | 'levels'>,
  limit?: number,
): Buffer[] {
  const q = quantisedPool(base, pool, limit);
  return Array.from({ length: q.count }, (_, i) => coarseInput(q.int8(i), params));
}

/** Loads `pool` (dataset names or .npy files) against the base model (the .tflite the boards run). */
export async function loadMarkPool(
  base: Uint8Array,
  pool: string[],
  params: Pick<ResponseMarkParams, 'groups' | 'levels'>,
  limit?: number,
): Promise<MarkPool> {
  const { joined, count, size, classes, inputShape, int8, dequant } = quantisedPool(base, pool, limit);
  const coarse = Array.from({ length: count }, (_, i) => coarseInput(int8(i), params));
  const oracle = await TfliteOracle.load(base);
  const cache = new Map<number, BaseAnswer>();
  const answer = (i: number) => {
    let a = cache.get(i);
    if (a === undefined) {
      const [o] = oracle.run([{ data: Int32Array.from(int8(i)), shape: inputShape, dtype: 'int8' }]);
      a = answerOf(o.data, dequant);
      cache.set(i, a);
    }
    return a;
  };
  const prepareBase = async (indices: readonly number[]) => {
    const missing = [...new Set(indices)].filter((i) => !cache.has(i));
    if (missing.length === 0) return;
    const size = inputShape.reduce((a, b) => a * b, 1);
    const packed = new Int8Array(missing.length * size);
    missing.forEach((i, j) => packed.set(int8(i), j * size));
    const r = await baseAnswers(base, oracle, inputShape, packed, { classes, dequant });
    missing.forEach((i, j) =>
      cache.set(i, {
        argmax: r.argmax[j],
        margin: r.margin[j],
        second: r.second[j],
        logProbs: r.logProbs.slice(j * classes, (j + 1) * classes),
      }),
    );
  };
  return {
    names: pool,
    count,
    sampleShape: joined.sampleShape,
    samples: joined.samples.subarray(0, count * size),
    classes,
    coarse,
    baseArgmax: (indices) => indices.map((i) => answer(i).argmax),
    baseMargin: (indices) => indices.map((i) => answer(i).margin),
    baseRunnerUp: (indices) => indices.map((i) => answer(i).second),
    baseLogProbs: (indices) => indices.map((i) => answer(i).logProbs),
    prepareBase,
    dispose() {
      oracle.dispose();
    },
  };
}
