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
import { Dequant } from '../tflite/affine';

export interface BaseAnswer {
  argmax: number;
  /** top score − runner-up score (float32, as the board computes its margin gate); Infinity without a runner-up */
  margin: number;
  second: number;
  /** natural log of each class's probability (the dequantised outputs read as asProbabilities reads a suspect's) */
  logProbs: Float32Array;
}

/** The base model's output: its classes, and how its raw values become real ones. */
export interface BaseOutput {
  classes: number;
  dequant: Dequant;
}

/** The answer read from one raw output vector (the margin in raw output units, as the board's gate reads it). */
export function answerOf(scores: ArrayLike<number>, dequant: Dequant = null): BaseAnswer {
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
  output: BaseOutput;
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
  output: BaseOutput,
): BaseResult {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const out = emptyResult(n, output.classes);
  for (let j = 0; j < n; j++) {
    const [o] = oracle.run([
      { data: Int32Array.from(inputs.subarray(j * size, (j + 1) * size)), shape: inputShape, dtype: 'int8' },
    ]);
    const a = answerOf(o.data, output.dequant);
    out.argmax[j] = a.argmax;
    out.margin[j] = a.margin;
    out.second[j] = a.second;
    out.logProbs.set(a.logProbs, j * output.classes);
  }
  return out;
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
  output: BaseOutput,
  threads = os.availableParallelism(),
): Promise<BaseResult> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const t = Math.max(1, Math.min(threads, Math.floor(n / (PARALLEL_INPUTS / 2))));
  if (n < PARALLEL_INPUTS || t < 2) return answerAll(oracle, inputShape, inputs, output);
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
              output,
            };
            const w = new Worker(script, { workerData: task });
            workers.push(w);
            w.once('message', (r: BaseResult) => (r.error ? reject(new Error(r.error)) : resolve(r)));
            w.once('error', reject);
          }),
      ),
    );
    const { classes } = output;
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
