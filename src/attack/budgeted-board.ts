/**
 * A distillation attacker against a board that enforces query limits (docs/package.md, "Query limits"): one RUN per
 * sample, in order; a rate refusal is waited out for as long as the board says (up to `maxWaitMs` in all), a budget
 * refusal ends the attack — the attacker keeps the labels answered before it. Those labels are what distillCopy
 * (./distill.ts) trains a copy on: exactly what the board gave away (./query-budget.ts).
 */
import { DeviceClient, QueryLimitRefusal } from '../device/client';
import { EdgelockError } from '../errors';
import { decodeRunOutput, elementCount, encodeRunInput } from '../eval/run-io';

export interface BudgetedQueries {
  /** arg-max labels of the answered samples, in order */
  labels: Int32Array;
  /** the refusal that ended the attack (absent: every sample was answered) */
  refusal?: QueryLimitRefusal & { code: string };
  /** milliseconds spent waiting out rate windows */
  waitedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const size = elementCount(input);
  const labels: number[] = [];
  let waitedMs = 0;
  for (let i = 0; i < count; i++) {
    const bytes = encodeRunInput(
      { dtype: 'float32', shape: input.shape, data: x.subarray(i * size, (i + 1) * size) },
      input,
      `sample ${i}`,
    );
    for (;;) {
      try {
        const out = decodeRunOutput((await client.run(slot, bytes)).outputs[0]).values;
        labels.push(out.indexOf(Math.max(...out)));
        break;
      } catch (e) {
        const q =
          e instanceof EdgelockError ? (e as EdgelockError & { queryLimit?: QueryLimitRefusal }).queryLimit : null;
        if (!q || !(e instanceof EdgelockError)) throw e;
        if (q.kind !== 'rate' || waitedMs + q.retryAfterMs > (o.maxWaitMs ?? 0))
          return { labels: Int32Array.from(labels), refusal: { ...q, code: e.code }, waitedMs };
        await sleep(q.retryAfterMs + 1);
        waitedMs += q.retryAfterMs + 1;
      }
    }
    o.onProgress?.(labels.length);
  }
  return { labels: Int32Array.from(labels), waitedMs };
}
