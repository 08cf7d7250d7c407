import { runTool } from './el-tool';

/** Parses "cuts N old N new N bad N". */
function parse(line: string): Record<string, number> {
  const m = line.match(/^cuts (\d+) old (\d+) new (\d+) bad (\d+)$/);
  if (!m) throw new Error(`unexpected: ${line}`);
  return { cuts: +m[1], old: +m[2], new: +m[3], bad: +m[4] };
}

describe('power loss during persistent writes (simulated NOR storage, cut at every byte operation)', () => {
  test('key store write: every cut leaves the old (empty, writable) or the new key, never an acknowledged loss', () => {
    const r = parse(runTool(['powerloss-key'])[0]);
    expect(r.cuts).toBeGreaterThan(256); // erase of a 256-byte region plus the record program
    expect(r.bad).toBe(0);
    expect(r.old + r.new).toBe(r.cuts + 1);
    expect(r.new).toBeGreaterThanOrEqual(1);
  });

  test.each([2, 3, 6])('two-copy record: cutting store #%i keeps value n-1 or n', (stores) => {
    const r = parse(runTool([`powerloss-record ${stores}`])[0]);
    expect(r.cuts).toBeGreaterThan(256);
    expect(r.bad).toBe(0);
    expect(r.old + r.new).toBe(r.cuts + 1);
  });
});
