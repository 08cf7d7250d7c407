/** Worker thread of decide-boards.ts: decides whole boards on the packed pool codes and posts each board's marks. */
import { parentPort, workerData } from 'worker_threads';
import { WorkerResult, WorkerTask, decideBoard } from './decide-boards';

const task = workerData as WorkerTask;
const codes = Array.from(task.ends, (end, i) => task.codes.subarray(i === 0 ? 0 : task.ends[i - 1], end));
const inputs = { codes, gated: Array.from(task.gated), classes: task.classes, skipRunnerUp: task.skipRunnerUp };
for (const job of task.jobs) {
  const s = decideBoard(inputs, { key: job.key, ratePpm: job.ratePpm });
  job.key.fill(0);
  const r: WorkerResult = {
    index: job.index,
    indices: Int32Array.from(s.indices),
    offsets: Int32Array.from(s.offsets),
  };
  parentPort!.postMessage(r);
}
