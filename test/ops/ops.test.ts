import { OP_TABLE } from '../../src/ops/registry';
import { OP_CASES } from './cases';
import { caseTitle, checkCase } from './harness';

describe('every op against onnxruntime (inferred shape and reference evaluation)', () => {
  test.each(OP_CASES.map((c, i) => [caseTitle(c, i), c, i] as const))('%s', async (_title, c, i) => {
    await checkCase(c, 1000 + i);
  });

  test('every op in the table has cases', () => {
    const covered = new Set(OP_CASES.map((c) => c.op));
    expect([...OP_TABLE.keys()].filter((op) => !covered.has(op))).toEqual([]);
  });
});
