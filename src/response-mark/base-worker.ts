/** Worker thread of base-answers.ts: loads its own TFLite interpreter and answers its share of the pool inputs. */
import { parentPort, workerData } from 'worker_threads';
import { TfliteOracle } from '../tflite/oracle';
import { BaseResult, BaseTask, answerAll } from './base-answers';

const task = workerData as BaseTask;
(async () => {
  const oracle = await TfliteOracle.load(task.model);
  try {
    parentPort!.postMessage(answerAll(oracle, task.inputShape, task.inputs, task.output));
  } finally {
    oracle.dispose();
  }
})().catch((e: unknown) => {
  const r: BaseResult = {
    argmax: new Int32Array(0),
    margin: new Float64Array(0),
    second: new Int32Array(0),
    logProbs: new Float32Array(0),
    error: String(e),
  };
  parentPort!.postMessage(r);
});
