import * as fs from 'fs';
import * as path from 'path';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue';
import { COMMANDS, RECORDS, RESERVED_RANGES, RESPONSE_FLAG, STATUSES } from '../../src/protocol/definition';
import { GENERATED_FILES } from '../../src/protocol/generated-files';

const ROOT = path.resolve(__dirname, '../..');

describe('protocol definition and its generated artefacts', () => {
  test.each(GENERATED_FILES.map((g) => [g.path, g] as const))(
    '%s is identical to a fresh generation (run `npx tsx scripts/gen-protocol.ts`)',
    (_p, g) => {
      expect(fs.readFileSync(path.join(ROOT, g.path), 'utf8')).toBe(g.render());
    },
  );

  test('command ids are unique, below the response flag and outside the reserved ranges', () => {
    const ids = COMMANDS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toBeGreaterThan(0);
      expect(id).toBeLessThan(RESPONSE_FLAG);
      expect(RESERVED_RANGES.some((r) => id >= r.from && id <= r.to)).toBe(false);
    }
  });

  test('status values are unique; every error status maps to a catalogued host error', () => {
    expect(new Set(STATUSES.map((s) => s.value)).size).toBe(STATUSES.length);
    for (const s of STATUSES) {
      if (s.ok) expect(s.error).toBeUndefined();
      else expect(ERROR_CATALOGUE[s.error!]).toBeDefined();
    }
  });

  test('a variable tail is always the last field of a layout', () => {
    const layouts = [...COMMANDS.flatMap((c) => [c.request, c.response]), ...Object.values(RECORDS)];
    for (const fields of layouts) {
      const i = fields.findIndex((f) => f.type === 'rest');
      if (i >= 0) expect(i).toBe(fields.length - 1);
    }
  });
});
