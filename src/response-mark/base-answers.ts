/**
 * The base model's answers on pool inputs (arg-max, runner-up, top-two margin, log-probabilities), from the official
 * TFLite runtime: the keyed class and the least-confident filter of the response mark depend on them, and the
 * log-ratio statistic (log-ratio.ts) compares a suspect's log-probabilities with the base model's. One inference per input (about 1 ms
 * for the zoo LeNet), so on a whole 70,000-input pool — what a check against many boards needs — the inputs are shared
 * out over worker threads (base-worker.ts), each with its own interpreter; the answers do not depend on the thread.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { TfliteOracle } from '../tflite/oracle';
import { workerScript } from '../train/worker-script';
import { firstArgmax, runnerUp } from './decision';
import { asProbabilities } from './probabilities';

export interface BaseAnswer {
  argmax: number;
  /** top score − runner-up score (float32, as the board computes its margin gate); Infinity without a runner-up */
  margin: number;
  second: number;
  /** natural log of each class's probability (the dequantised outputs read as asProbabilities reads a suspect's) */
  logProbs: Float32Array;
}

/** How an int8/uint8 output is dequantised (null: the outputs are real values already). */
export type OutputDequant = { scale: number; zeroPoint: number } | null;

/** The answer read from one raw output vector (the margin in raw output units, as the board's gate reads it). */
export function answerOf(scores: ArrayLike<number>, dequant: OutputDequant = null): BaseAnswer {
  const top = firstArgmax(scores);
  const second = runnerUp(scores, top);
  const real = Array.from(scores, (v) => (dequant ? (v - dequant.zeroPoint) * dequant.scale : v));
  return {
    argmax: top,
    margin: second < 0 ? Infinity : Math.fround(scores[top] - scores[second]),
    second,
    logProbs: Float32Array.from(asProbabilities(real), Math.log),
  };
}

/** Inputs at which worker threads start to pay for their start-up (loading an interpreter each). */
export const PARALLEL_INPUTS = 4000;

/** The task of one worker: the model and its inputs packed one after another. */
export interface BaseTask {
  model: Uint8Array;
  inputShape: number[];
  inputs: Int8Array;
  dequant: OutputDequant;
}

/** A worker's answer: one entry per input, in order. */
export interface BaseResult {
  argmax: Int32Array;
  margin: Float64Array;
  second: Int32Array;
  /** classes log-probabilities per input, one input after another */
  logProbs: Float32Array;
  error?: string;
}

function emptyResult(n: number, classes: number): BaseResult {
  return {
    argmax: new Int32Array(n),
    margin: new Float64Array(n),
    second: new Int32Array(n),
    logProbs: new Float32Array(n * classes),
  };
}

/** Runs `inputs` (packed int8 inputs of `inputShape`) through `oracle`. */
export function answerAll(
  oracle: TfliteOracle,
  inputShape: number[],
  inputs: Int8Array,
  dequant: OutputDequant,
): BaseResult {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  let out: BaseResult | undefined;
  for (let j = 0; j < n; j++) {
    const [o] = oracle.run([
      { data: Int32Array.from(inputs.subarray(j * size, (j + 1) * size)), shape: inputShape, dtype: 'int8' },
    ]);
    const a = answerOf(o.data, dequant);
    out ??= emptyResult(n, a.logProbs.length);
    out.argmax[j] = a.argmax;
    out.margin[j] = a.margin;
    out.second[j] = a.second;
    out.logProbs.set(a.logProbs, j * a.logProbs.length);
  }
  return out ?? emptyResult(0, 0);
}

/**
 * The answers on `count` packed inputs, on `threads` worker threads (default: one per core) when there are at least
 * PARALLEL_INPUTS of them, else on `oracle` in this thread.
 */
export async function baseAnswers(
  model: Uint8Array,
  oracle: TfliteOracle,
  inputShape: number[],
  inputs: Int8Array,
  dequant: OutputDequant,
  threads = os.availableParallelism(),
): Promise<BaseResult> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const t = Math.max(1, Math.min(threads, Math.floor(n / (PARALLEL_INPUTS / 2))));
  if (n < PARALLEL_INPUTS || t < 2) return answerAll(oracle, inputShape, inputs, dequant);
  const script = workerScript(__dirname, 'response-mark', 'base-worker');
  const bounds = Array.from({ length: t + 1 }, (_, k) => Math.round((k * n) / t));
  const workers: Worker[] = [];
  try {
    const parts = await Promise.all(
      bounds.slice(0, -1).map(
        (from, k) =>
          new Promise<BaseResult>((resolve, reject) => {
            const task: BaseTask = {
              model,
              inputShape,
              inputs: inputs.slice(from * size, bounds[k + 1] * size),
              dequant,
            };
            const w = new Worker(script, { workerData: task });
            workers.push(w);
            w.once('message', (r: BaseResult) => (r.error ? reject(new Error(r.error)) : resolve(r)));
            w.once('error', reject);
          }),
      ),
    );
    const classes = parts[0].logProbs.length / Math.max(1, bounds[1] - bounds[0]);
    const out = emptyResult(n, classes);
    parts.forEach((p, k) => {
      out.argmax.set(p.argmax, bounds[k]);
      out.margin.set(p.margin, bounds[k]);
      out.second.set(p.second, bounds[k]);
      out.logProbs.set(p.logProbs, bounds[k] * classes);
    });
    return out;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
