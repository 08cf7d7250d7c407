/**
 * The owner's side of the response mark (issue 16): deciding many boards' marks on the MNIST pool (train + test,
 * 70,000 inputs, the zoo LeNet as the base), which `response-mark verify --db` does for every provisioned board
 * before it asks the suspect anything: one HMAC-SHA256 per input code and board, on the main thread and on worker
 * threads (src/response-mark/decide-boards.ts). The on-board cost of the mark is a row of the device benchmark.
 */
import { createHash } from 'crypto';
import * as os from 'os';
import { readFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT } from '../board/boards';
import { RESPONSE_MARK_DEFAULTS } from '../package/response-mark';
import { decideBoards } from '../response-mark/decide-boards';
import { loadMarkPool } from '../response-mark/pool';
import { Benchmark, BenchTable } from './types';

const BOARDS = 100;

export const responseMarkBench: Benchmark = {
  name: 'response-mark',
  async run(): Promise<BenchTable> {
    const base = readFileSync(join(REPO_ROOT, 'test/watermark/fixtures/mnist-lenet-wm.tflite'));
    const params = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };
    const pool = await loadMarkPool(base, ['mnist-train', 'mnist-test'], params);
    const rows: (string | number)[][] = [];
    try {
      const jobs = Array.from({ length: BOARDS }, (_, i) => ({
        key: createHash('sha256').update(`bench board ${i}`).digest(),
        ratePpm: params.ratePpm,
      }));
      const inputs = {
        codes: pool.coarse,
        gated: Array.from({ length: pool.count }, (_, i) => i),
        classes: pool.classes,
        skipRunnerUp: true,
      };
      let one = 0;
      for (const threads of [...new Set([1, os.availableParallelism()])]) {
        const t0 = process.hrtime.bigint();
        const got = await decideBoards(inputs, jobs, { threads });
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        if (threads === 1) one = s;
        const marked = got.reduce((n, g) => n + g.indices.length, 0) / BOARDS;
        rows.push([
          `${BOARDS} boards × ${pool.count} pool inputs, ${threads} thread(s)`,
          `${s.toFixed(1)} s (${((s / BOARDS) * 1000).toFixed(0)} ms per board; ${marked.toFixed(0)} inputs marked per ` +
            `board${threads > 1 ? `; ${(one / s).toFixed(2)}x one thread` : ''}); 1,000 boards ≈ ${(s * 10).toFixed(0)} s`,
        ]);
      }
    } finally {
      pool.dispose();
    }
    return {
      title:
        'response-mark: deciding candidate boards’ marks on the owner’s pool (the work before `response-mark verify` queries)',
      header: ['measurement', 'result'],
      rows,
      notes: ['rate 0.5%, scheme 2, 196 runs × 2 levels; one HMAC-SHA256 (node:crypto) per input and board'],
    };
  },
};
