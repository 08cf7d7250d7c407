/**
 * A distillation attacker against a board that enforces query limits (docs/package.md, "Query limits"): one RUN per
 * sample, in order; a rate refusal is waited out for as long as the board says (up to `maxWaitMs` in all), a budget
 * refusal ends the attack — the attacker keeps the labels answered before it. Those labels are what distillCopy
 * (./distill.ts) trains a copy on: exactly what the board gave away (src/bench/query-budget.ts measures it).
 */
import { DeviceClient, QueryLimitRefusal, RunOutput, TensorDesc } from '../device/client';
import { EdgelockError } from '../errors';
import { decodeRunOutput } from '../board/run-io';
import { quantizeAffine } from '../tflite/affine';

export interface BudgetedQueries {
  /** arg-max labels of the answered samples, in order */
  labels: Int32Array;
  /** the answered samples' output scores (answered × classes, int8 outputs dequantised), in order */
  scores: Float32Array;
  /** the refusal that ended the attack (absent: every sample was answered) */
  refusal?: QueryLimitRefusal & { code: string };
  /** milliseconds spent waiting out rate windows */
  waitedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RUN's input bytes for one float sample (model input order): quantised for an int8 input, LE float32 otherwise. */
function runInput(x: Float32Array, input: TensorDesc): Buffer {
  if (input.type === 0) {
    const b = Buffer.alloc(4 * x.length);
    x.forEach((v, i) => b.writeFloatLE(v, 4 * i));
    return b;
  }
  if (input.type !== 9)
    throw new EdgelockError(
      'E_DEVICE_MODEL_INVALID',
      `the model input has tensor type ${input.type}; RUN feeds int8 or float32`,
    );
  return Buffer.from(Int8Array.from(quantizeAffine(x, input.scale, input.zeroPoint)).buffer);
}

/** An output's scores (int8 dequantised) and their arg-max. */
function answer(o: RunOutput): { values: number[]; label: number } {
  const { values } = decodeRunOutput(o);
  return { values, label: values.indexOf(Math.max(...values)) };
}

/** Runs `count` float samples (model input order) on `slot` until the board refuses for good. */
export async function queryUntilRefused(
  client: DeviceClient,
  slot: number,
  x: Float32Array,
  count: number,
  o: { maxWaitMs?: number; onProgress?: (answered: number) => void } = {},
): Promise<BudgetedQueries> {
  const io = await client.modelIo(slot);
  const input = io.inputs[0];
  const size = input.shape.reduce((a, b) => a * b, 1);
  const labels: number[] = [];
  const scores: number[] = [];
  let waitedMs = 0;
  const done = (refusal?: BudgetedQueries['refusal']): BudgetedQueries => ({
    labels: Int32Array.from(labels),
    scores: Float32Array.from(scores),
    ...(refusal ? { refusal } : {}),
    waitedMs,
  });
  for (let i = 0; i < count; i++) {
    const bytes = runInput(x.subarray(i * size, (i + 1) * size), input);
    for (;;) {
      try {
        const a = answer((await client.run(slot, bytes)).outputs[0]);
        labels.push(a.label);
        scores.push(...a.values);
        break;
      } catch (e) {
        const q =
          e instanceof EdgelockError ? (e as EdgelockError & { queryLimit?: QueryLimitRefusal }).queryLimit : null;
        if (!q || !(e instanceof EdgelockError)) throw e;
        if (q.kind !== 'rate' || waitedMs + q.retryAfterMs > (o.maxWaitMs ?? 0)) return done({ ...q, code: e.code });
        await sleep(q.retryAfterMs + 1);
        waitedMs += q.retryAfterMs + 1;
      }
    }
    o.onProgress?.(labels.length);
  }
  return done();
}
