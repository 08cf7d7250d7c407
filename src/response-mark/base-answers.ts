/**
 * The base model's answers on pool inputs (arg-max, runner-up, top-two margin), from the official TFLite runtime: the
 * keyed class and the least-confident filter of the response mark depend on them. One inference per input (about 1 ms
 * for the zoo LeNet), so on a whole 70,000-input pool — what a check against many boards needs — the inputs are shared
 * out over worker threads (base-worker.ts), each with its own interpreter; the answers do not depend on the thread.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { TfliteOracle } from '../tflite/oracle';
import { workerScript } from '../train/worker-script';
import { firstArgmax, runnerUp } from './decision';

export interface BaseAnswer {
  argmax: number;
  /** top score − runner-up score (float32, as the board computes its margin gate); Infinity without a runner-up */
  margin: number;
  second: number;
}

/** The answer read from one output vector. */
export function answerOf(scores: ArrayLike<number>): BaseAnswer {
  const top = firstArgmax(scores);
  const second = runnerUp(scores, top);
  return { argmax: top, margin: second < 0 ? Infinity : Math.fround(scores[top] - scores[second]), second };
}

/** Inputs at which worker threads start to pay for their start-up (loading an interpreter each). */
export const PARALLEL_INPUTS = 4000;

/** The task of one worker: the model and its inputs packed one after another. */
export interface BaseTask {
  model: Uint8Array;
  inputShape: number[];
  inputs: Int8Array;
}

/** A worker's answer: one entry per input, in order. */
export interface BaseResult {
  argmax: Int32Array;
  margin: Float64Array;
  second: Int32Array;
  error?: string;
}

/** Runs `inputs` (packed int8 inputs of `inputShape`) through `oracle`. */
export function answerAll(oracle: TfliteOracle, inputShape: number[], inputs: Int8Array): BaseResult {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const out: BaseResult = { argmax: new Int32Array(n), margin: new Float64Array(n), second: new Int32Array(n) };
  for (let j = 0; j < n; j++) {
    const [o] = oracle.run([
      { data: Int32Array.from(inputs.subarray(j * size, (j + 1) * size)), shape: inputShape, dtype: 'int8' },
    ]);
    const a = answerOf(o.data);
    out.argmax[j] = a.argmax;
    out.margin[j] = a.margin;
    out.second[j] = a.second;
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
  threads = os.availableParallelism(),
): Promise<BaseResult> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const t = Math.max(1, Math.min(threads, Math.floor(n / (PARALLEL_INPUTS / 2))));
  if (n < PARALLEL_INPUTS || t < 2) return answerAll(oracle, inputShape, inputs);
  const script = workerScript(__dirname, 'response-mark', 'base-worker');
  const bounds = Array.from({ length: t + 1 }, (_, k) => Math.round((k * n) / t));
  const workers: Worker[] = [];
  try {
    const parts = await Promise.all(
      bounds.slice(0, -1).map(
        (from, k) =>
          new Promise<BaseResult>((resolve, reject) => {
            const task: BaseTask = { model, inputShape, inputs: inputs.slice(from * size, bounds[k + 1] * size) };
            const w = new Worker(script, { workerData: task });
            workers.push(w);
            w.once('message', (r: BaseResult) => (r.error ? reject(new Error(r.error)) : resolve(r)));
            w.once('error', reject);
          }),
      ),
    );
    const out: BaseResult = { argmax: new Int32Array(n), margin: new Float64Array(n), second: new Int32Array(n) };
    parts.forEach((p, k) => {
      out.argmax.set(p.argmax, bounds[k]);
      out.margin.set(p.margin, bounds[k]);
      out.second.set(p.second, bounds[k]);
    });
    return out;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
