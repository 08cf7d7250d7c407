/**
 * Each candidate board's marked inputs of a pool: for every gated input, the board's keyed decision on its code
 * (decision.ts). The cost is one HMAC-SHA256 per input and board (hmac-words.ts: the key's states computed once per
 * board, the codes padded once per pool) — about 0.15 s per board on one thread on the 70,000-input MNIST pool — so
 * with many boards the work is shared out over worker threads (decide-worker.ts), each deciding whole boards; the
 * result does not depend on the thread count.
 * The mark keys go to the workers in messages of this process and are wiped there after use.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { workerScript } from '../train/worker-script';
import { decisionOf, keyedChoices } from './decision';
import { KeyedHmac, PaddedMessages, padMessages } from './hmac-words';

export interface BoardJob {
  key: Uint8Array;
  ratePpm: number;
}

export interface Selection {
  indices: number[];
  offsets: number[];
}

export interface DecideInputs {
  /** every pool input's code (pool.coarse) */
  codes: readonly Uint8Array[];
  /** the inputs a board may mark (all, or those under scheme 2's gate) */
  gated: readonly number[];
  classes: number;
  skipRunnerUp: boolean;
}

/** Boards at which worker threads start to pay for their start-up and the copy of the codes. */
export const PARALLEL_BOARDS = 16;

/** The codes padded for the HMAC (hmac-words.ts), once per codes array. */
const paddedCodes = new WeakMap<readonly Uint8Array[], PaddedMessages>();

function padded(codes: readonly Uint8Array[]): PaddedMessages {
  let p = paddedCodes.get(codes);
  if (!p) paddedCodes.set(codes, (p = padMessages(codes)));
  return p;
}

/** One board's marked inputs: decideCoarse on every gated code, with the key's HMAC states computed once. */
export function decideBoard(d: DecideInputs, job: BoardJob): Selection {
  const indices: number[] = [];
  const offsets: number[] = [];
  const codes = padded(d.codes);
  const choices = keyedChoices(d.classes, d.skipRunnerUp);
  const hmac = new KeyedHmac(job.key);
  try {
    for (const i of d.gated) {
      const m = decisionOf(hmac.firstWord(codes, i), hmac.second, job.ratePpm, choices);
      if (m.marked) {
        indices.push(i);
        offsets.push(m.offset);
      }
    }
  } finally {
    hmac.wipe();
  }
  return { indices, offsets };
}

/** The message a worker receives: the codes packed into one buffer, and its boards. */
export interface WorkerTask {
  codes: Uint8Array;
  ends: Uint32Array;
  gated: Int32Array;
  classes: number;
  skipRunnerUp: boolean;
  jobs: { index: number; key: Uint8Array; ratePpm: number }[];
}

/** What a worker answers, one message per board decided. */
export interface WorkerResult {
  index: number;
  indices: Int32Array;
  offsets: Int32Array;
}

function pack(codes: readonly Uint8Array[]): { codes: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(codes.length);
  let total = 0;
  codes.forEach((c, i) => (ends[i] = total += c.length));
  const out = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  codes.forEach((c, i) => out.set(c, i === 0 ? 0 : ends[i - 1]));
  return { codes: out, ends };
}

/**
 * Every job's selection, in job order. With `threads` > 1 (default: the available cores) that many workers decide the
 * boards while the main thread waits; with one thread or fewer than PARALLEL_BOARDS jobs everything is decided here.
 * `onDecided` is called after each board.
 */
export async function decideBoards(
  d: DecideInputs,
  jobs: readonly BoardJob[],
  o: { threads?: number; onDecided?: (done: number, total: number) => void } = {},
): Promise<Selection[]> {
  const threads = Math.max(1, Math.min(o.threads ?? os.availableParallelism(), jobs.length));
  const out: Selection[] = new Array(jobs.length);
  let done = 0;
  const finished = () => o.onDecided?.(++done, jobs.length);
  if (threads === 1 || jobs.length < PARALLEL_BOARDS) {
    jobs.forEach((j, i) => {
      out[i] = decideBoard(d, j);
      finished();
    });
    return out;
  }
  const packed = pack(d.codes);
  const gated = Int32Array.from(d.gated);
  const script = workerScript(__dirname, 'response-mark', 'decide-worker');
  // boards dealt round-robin, so each worker gets a share of every part of the list
  const shares = Array.from(
    { length: threads },
    (_, t) =>
      jobs
        .map((j, index) => ({ j, index }))
        .filter(({ index }) => index % threads === t)
        .map(({ j, index }) => ({ index, key: Uint8Array.from(j.key), ratePpm: j.ratePpm })), // copies of its own keys only
  );
  // every worker is stopped however the decision ends: a failed worker must not leave the others holding keys
  const workers: Worker[] = [];
  try {
    await Promise.all(
      shares.map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const task: WorkerTask = {
              ...packed,
              gated,
              classes: d.classes,
              skipRunnerUp: d.skipRunnerUp,
              jobs: share,
            };
            const w = new Worker(script, { workerData: task });
            workers.push(w);
            share.forEach((j) => j.key.fill(0)); // the worker holds its copy now
            let left = share.length;
            w.on('message', (r: WorkerResult) => {
              out[r.index] = { indices: Array.from(r.indices), offsets: Array.from(r.offsets) };
              finished();
              if (--left === 0) resolve();
            });
            w.once('error', reject);
            w.once('exit', (code) => {
              if (left > 0) reject(new Error(`response mark decision worker exited with code ${code}`));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
