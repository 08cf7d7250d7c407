/**
 * Deciding many boards' marks on a pool (src/response-mark/decide-boards.ts): on worker threads the selections are
 * those of the main thread, board for board, whatever the thread count; progress is reported once per board; the
 * callers' keys are left as they were; few boards are decided without workers.
 */
import { BoardJob, PARALLEL_BOARDS, decideBoard, decideBoards } from '../../src/response-mark/decide-boards';
import { sha } from '../helpers/synthetic-mark-pool';

const N = 3000;
const inputs = {
  codes: Array.from({ length: N }, (_, i) => sha(`code ${i}`).subarray(0, 16 + (i % 7))),
  gated: Array.from({ length: N }, (_, i) => i).filter((i) => i % 5 !== 0),
  classes: 12,
  skipRunnerUp: true,
};
const jobs: BoardJob[] = Array.from({ length: 40 }, (_, i) => ({ key: sha(`board ${i}`), ratePpm: 20000 + 1000 * i }));

test('worker threads decide exactly what the main thread does, for 1, 2 and 3 threads', async () => {
  const serial = jobs.map((j) => decideBoard(inputs, j));
  expect(serial.every((s) => s.indices.length > 0)).toBe(true);
  expect(serial.flatMap((s) => s.offsets).every((o) => o >= 1 && o <= inputs.classes - 2)).toBe(true);
  const keys = jobs.map((j) => Buffer.from(j.key).toString('hex'));
  for (const threads of [1, 2, 3]) {
    const done: number[] = [];
    const got = await decideBoards(inputs, jobs, { threads, onDecided: (d, total) => done.push(d / total) });
    expect(got).toEqual(serial);
    expect(done).toEqual(jobs.map((_, i) => (i + 1) / jobs.length));
  }
  expect(jobs.map((j) => Buffer.from(j.key).toString('hex'))).toEqual(keys); // the callers' keys untouched
}, 120_000);

test('fewer boards than PARALLEL_BOARDS, or none, are decided on the main thread', async () => {
  const few = jobs.slice(0, PARALLEL_BOARDS - 1);
  expect(await decideBoards(inputs, few, { threads: 4 })).toEqual(few.map((j) => decideBoard(inputs, j)));
  expect(await decideBoards(inputs, [], { threads: 4 })).toEqual([]);
});
