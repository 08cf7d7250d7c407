/**
 * Trace parameters read back from the factory log (src/trace/params.ts traceParamsFromLog): every set edgelock writes
 * comes back equal, and a row another tool or a damaged file wrote is refused with E_FACTORY_DB naming the field,
 * before it can steer the tracer — through `traceCandidates`, which `edgelock trace --db` reads.
 */
import { FactoryDb } from '../../src/factory/db';
import { traceCandidates } from '../../src/factory/trace-log';
import { keyId } from '../../src/keys/derive';
import { DEFAULT_TRACE_PARAMS, quietTraceParams, traceParamsFromLog } from '../../src/trace/params';
import { errorCodeOf } from '../helpers/error-code';

test('the sets edgelock records come back as they were', () => {
  for (const p of [DEFAULT_TRACE_PARAMS, { density: 0.1, minTensorElements: 1024 }, quietTraceParams('mnist-train')])
    expect(traceParamsFromLog(JSON.stringify(p))).toEqual(p);
});

test.each([
  ['not JSON', '{density'],
  ['not an object', '[1, 1024]'],
  ['not an object', 'null'],
  ['density', '{"density":0,"minTensorElements":1024}'],
  ['density', '{"density":1.5,"minTensorElements":1024}'],
  ['density', '{"density":"1","minTensorElements":1024}'],
  ['minTensorElements', '{"density":1,"minTensorElements":-4}'],
  ['minTensorElements', '{"density":1,"minTensorElements":2.5}'],
  ['quiet', '{"density":1,"minTensorElements":1024,"quiet":null}'],
  ['quiet.data', '{"density":1,"minTensorElements":1024,"quiet":{"data":"","samples":2000,"amplitude":8}}'],
  [
    'quiet.samples',
    '{"density":1,"minTensorElements":1024,"quiet":{"data":"mnist-train","samples":1e12,"amplitude":8}}',
  ],
  [
    'quiet.amplitude',
    '{"density":1,"minTensorElements":1024,"quiet":{"data":"mnist-train","samples":2000,"amplitude":200}}',
  ],
  [
    'quiet.rule',
    '{"density":1,"minTensorElements":1024,"quiet":{"data":"mnist-train","samples":2000,"amplitude":8,"rule":3}}',
  ],
])('a row with malformed %s is E_FACTORY_DB naming it', (field, json) => {
  expect(errorCodeOf(() => traceParamsFromLog(json))).toBe('E_FACTORY_DB');
  expect(() => traceParamsFromLog(json)).toThrow(
    new RegExp(`malformed trace parameters: ${field.replace('.', '\\.')}`),
  );
});

test('edgelock trace reads the candidates through the check: one bad row stops it with E_FACTORY_DB', async () => {
  const master = new Uint8Array(32).fill(9);
  const row = (uid: string, params: string) => ({ uid, params, units: 0 });
  const db = (rows: ReturnType<typeof row>[]) =>
    ({
      location: 'test.db',
      traceCodes: async (id: string) => (id === keyId(master) ? rows : []),
    }) as unknown as FactoryDb;
  const good = JSON.stringify(DEFAULT_TRACE_PARAMS);
  const groups = await traceCandidates(db([row('aa'.repeat(16), good), row('bb'.repeat(16), good)]), master);
  expect(groups).toEqual([{ uids: ['aa'.repeat(16), 'bb'.repeat(16)], params: DEFAULT_TRACE_PARAMS, unitBoards: [] }]);
  const bad = db([row('aa'.repeat(16), good), row('bb'.repeat(16), '{"density":1,"minTensorElements":0}')]);
  await expect(traceCandidates(bad, master)).rejects.toMatchObject({ code: 'E_FACTORY_DB' });
});
