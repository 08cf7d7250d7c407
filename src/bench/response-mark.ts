/**
 * The owner's side of the response mark (issue 16): deciding many boards' marks on the MNIST pool (train + test,
 * 70,000 inputs, the zoo LeNet as the base), which `response-mark verify --db` does for every provisioned board: one
 * HMAC-SHA256 per input code and board, on the main thread and on worker threads (src/response-mark/decide-boards.ts);
 * and a whole check of one suspect against 1,000 boards: on its arg-max deciding them everywhere and screened
 * (verify.ts: the suspect asked the confident pool once, the boards decided only where it leaves the base answer), with
 * the counts compared; and on its scores (the default: lead count and log-ratio, which reads every marked code and is
 * never screened), against 1,000 other boards so that none is decided ahead.
 * The on-board cost of the mark is a row of the device benchmark.
 */
import { createHash } from 'crypto';
import * as os from 'os';
import { readFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT } from '../board/boards';
import { RESPONSE_MARK_DEFAULTS } from '../package/response-mark';
import { Selection, decideBoards } from '../response-mark/decide-boards';
import { decideCoarse } from '../response-mark/decision';
import { loadMarkPool } from '../response-mark/pool';
import { verifyResponseMark } from '../response-mark/verify';
import { onnxVictim } from '../attack/victim';
import { Benchmark, BenchTable } from './types';

const BOARDS = 100;
const VERIFY_BOARDS = 1000;
const NODE_HMAC_BOARDS = 10;

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
      let reference: Selection[] = [];
      for (const threads of [...new Set([1, os.availableParallelism()])]) {
        const t0 = process.hrtime.bigint();
        const got = await decideBoards(inputs, jobs, { threads });
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        if (threads === 1) {
          one = s;
          reference = got;
        }
        const marked = got.reduce((n, g) => n + g.indices.length, 0) / BOARDS;
        rows.push([
          `${BOARDS} boards × ${pool.count} pool inputs, ${threads} thread(s)`,
          `${s.toFixed(1)} s (${((s / BOARDS) * 1000).toFixed(0)} ms per board; ${marked.toFixed(0)} inputs marked per ` +
            `board${threads > 1 ? `; ${(one / s).toFixed(2)}x one thread` : ''}); 1,000 boards ≈ ${(s * 10).toFixed(0)} s`,
        ]);
      }
      // the same boards' decisions with Node's createHmac per input (decideCoarse, what decideBoard did until
      // 2026-12-06), on the first few boards: the ratio to the precomputed key states of the rows above
      {
        const few = jobs.slice(0, NODE_HMAC_BOARDS);
        const t0 = process.hrtime.bigint();
        const same = few.every((j, b) => {
          const indices: number[] = [];
          const offsets: number[] = [];
          inputs.gated.forEach((i) => {
            const m = decideCoarse(j.key, j.ratePpm, inputs.codes[i], inputs.classes, true);
            if (m.marked) {
              indices.push(i);
              offsets.push(m.offset);
            }
          });
          return JSON.stringify({ indices, offsets }) === JSON.stringify(reference[b]);
        });
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        rows.push([
          `${NODE_HMAC_BOARDS} boards × ${pool.count} pool inputs, 1 thread, node:crypto createHmac per input`,
          `${s.toFixed(1)} s (${((s / NODE_HMAC_BOARDS) * 1000).toFixed(0)} ms per board; ` +
            `${(s / NODE_HMAC_BOARDS / (one / BOARDS)).toFixed(2)}x the precomputed states' time; ` +
            `marks ${same ? 'identical' : 'DIFFERENT'})`,
        ]);
      }
      // a whole check: the zoo MLP (trained without any key) as the suspect, the worst case for screening (it leaves
      // the base answer more often than a copy does)
      const candidates = Array.from({ length: VERIFY_BOARDS }, (_, i) => ({
        uid: `bench-${i}`,
        key: createHash('sha256').update(`bench verify board ${i}`).digest(),
      }));
      const suspect = await onnxVictim(readFileSync(join(REPO_ROOT, 'models/mnist-mlp.onnx')), 'zoo MLP');
      try {
        // the base model's answers on the pool (the TFLite runtime, one inference per input): both checks need them
        // on most of the pool, and a process computes them once per pool
        const all = Array.from({ length: pool.count }, (_, i) => i);
        const t0 = process.hrtime.bigint();
        await pool.prepareBase!(all);
        const baseS = Number(process.hrtime.bigint() - t0) / 1e9;
        rows.push([
          `the base model's answers on the ${pool.count}-input pool, ${os.availableParallelism()} worker thread(s) ` +
            `(once per pool and process; not in the rows below)`,
          `${baseS.toFixed(1)} s (TFLite runtime, one interpreter per thread)`,
        ]);
        const timed = async (screen: boolean) => {
          const t0 = process.hrtime.bigint();
          const r = await verifyResponseMark({ pool, params, candidates, suspect, screen, statistic: 'arg-max' });
          return { r, s: Number(process.hrtime.bigint() - t0) / 1e9 };
        };
        const others = candidates.map((c, i) => ({
          uid: c.uid,
          key: createHash('sha256').update(`bench scores board ${i}`).digest(),
        }));
        const t1 = process.hrtime.bigint();
        const onScores = await verifyResponseMark({ pool, params, candidates: others, suspect });
        const scoresS = Number(process.hrtime.bigint() - t1) / 1e9;
        const screened = await timed(true);
        const full = await timed(false);
        const same = full.r.candidates.every((c, i) => {
          const o = screened.r.candidates[i];
          return o.trials === c.trials && o.matches === c.matches && o.p === c.p;
        });
        rows.push([
          `one suspect (zoo MLP) against ${VERIFY_BOARDS} boards on its scores (the default: weighted lead and ` +
            `log-ratio; every board decided everywhere)`,
          `${scoresS.toFixed(1)} s (${onScores.queries} suspect queries; ${onScores.named.length} named)`,
        ]);
        rows.push([
          `the same suspect against ${VERIFY_BOARDS} boards on its arg-max, every board decided everywhere`,
          `${full.s.toFixed(1)} s (${full.r.queries} suspect queries)`,
        ]);
        rows.push([
          `the same, screened (the arg-max default at ≥ 32 boards)`,
          `${screened.s.toFixed(1)} s (${screened.r.queries} suspect queries); ${(full.s / screened.s).toFixed(1)}x faster; ` +
            `counts ${same ? 'identical' : 'DIFFERENT'} for all ${VERIFY_BOARDS} boards`,
        ]);
      } finally {
        suspect.dispose();
      }
    } finally {
      pool.dispose();
    }
    return {
      title:
        'response-mark: deciding candidate boards’ marks on the owner’s pool, and a whole check against 1,000 boards',
      header: ['measurement', 'result'],
      rows,
      notes: [
        'rate 0.5%, scheme 2, 196 runs × 2 levels; one HMAC-SHA256 per input and board, the key’s inner and outer ' +
          'states computed once per board (src/response-mark/hmac-words.ts)',
      ],
    };
  },
};
