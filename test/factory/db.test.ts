/**
 * The factory database on both backends: the same suite runs against a SQLite file and a real PostgreSQL
 * server (test/helpers/postgres.ts: a throwaway cluster started here). The invariants are checked with raw SQL
 * on a separate, plain connection (better-sqlite3 / pg), not through FactoryDb: the database itself must refuse.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { APPLICATION_ID, FactoryDb, SCHEMA_VERSION } from '../../src/factory/db';
import { eventsToCsv } from '../../src/factory/export';
import { MIGRATIONS, OPERATOR_BEFORE_V2, POSTGRES, SQLITE } from '../../src/factory/schema';
import { traceCandidates } from '../../src/factory/trace-log';
import { keyId } from '../../src/keys/derive';
import { TestPostgres, freePort } from '../helpers/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-db-'));
let pg: TestPostgres;
beforeAll(async () => {
  pg = await TestPostgres.start();
}, 120000);
afterAll(() => {
  pg?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const freshFile = () => path.join(dir, `f${n++}.db`);

const base = { runId: 'run-1', station: 'st-1', operator: 'op-1', command: 'provision', port: '/dev/pts/1' };
const provisioned = {
  uid: '00aa',
  keyId: '0123456789abcdef',
  masterKeyId: 'fedcba9876543210',
  firmwareVersion: '1.2.3',
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A plain connection to the same database, outside FactoryDb. */
interface Raw {
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  /** a new, empty database */
  fresh(): Promise<string>;
  raw(spec: string): Promise<Raw>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    fresh: async () => freshFile(),
    raw: async (file) => {
      const d = new Database(file);
      return {
        // better-sqlite3's native addon keeps the SqliteError class of the first test file that loaded it in
        // this jest worker; thrown here, that error belongs to another realm, and jest's `rejects.toThrow` does
        // not see a cross-realm non-Error object as thrown. Rethrow it as this realm's Error, message kept.
        exec: async (sql) => {
          try {
            d.exec(sql);
          } catch (e) {
            throw new Error(String((e as { message?: unknown }).message ?? e));
          }
        },
        rows: async (sql) => d.prepare(sql).all() as Record<string, unknown>[],
        close: async () => void d.close(),
      };
    },
  },
  {
    name: 'postgres',
    fresh: () => pg.createDatabase(),
    raw: async (url) => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return {
        exec: async (sql) => void (await c.query(sql)),
        rows: async (sql) => (await c.query(sql)).rows,
        close: () => c.end(),
      };
    },
  },
];

describe.each(BACKENDS)('factory database on $name', (b) => {
  test('events are stored one row each with a station-made id, the station and database times, operator; read back in order', async () => {
    const spec = await b.fresh();
    const db = await FactoryDb.open(spec);
    expect(db.backend).toBe(b.name);
    expect(await db.schemaVersion()).toBe(SCHEMA_VERSION);
    const a = await db.record({ ...base, outcome: 'attempt', ...provisioned });
    const w = await db.record({ ...base, outcome: 'written', ...provisioned });
    await db.record({
      ...base,
      port: '/dev/pts/2',
      outcome: 'failed',
      errorCode: 'E_DEVICE_TIMEOUT',
      message: 'no answer, "quoted", with a comma\nand a line',
    });
    expect(a.id).not.toBe(w.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.time).toMatch(ISO);
    expect(a.recordedAt).toMatch(ISO);
    expect(Math.abs(Date.parse(a.recordedAt) - Date.parse(a.time))).toBeLessThan(60000);
    await db.close();
    const again = await FactoryDb.open(spec, { mustExist: true });
    const ev = await again.events();
    expect(ev.map((e) => e.outcome)).toEqual(['attempt', 'written', 'failed']);
    expect(ev.map((e) => e.seq)).toEqual([...ev.map((e) => e.seq)].sort((x, y) => x - y));
    expect(typeof ev[0].seq).toBe('number');
    expect(ev[2]).toMatchObject({
      uid: null,
      keyId: null,
      errorCode: 'E_DEVICE_TIMEOUT',
      port: '/dev/pts/2',
      operator: 'op-1',
      station: 'st-1',
    });
    expect((await again.events({ uid: '00AA' })).length).toBe(2);
    expect((await again.events({ station: 'nobody' })).length).toBe(0);

    // the CSV export parses back to the same values (RFC 4180 quoting) — checked with a small independent parser
    const csv = eventsToCsv(ev);
    const parsed = parseCsv(csv);
    expect(parsed[0]).toEqual([
      'seq',
      'id',
      'time',
      'recordedAt',
      'runId',
      'station',
      'operator',
      'command',
      'port',
      'board',
      'uid',
      'keyId',
      'masterKeyId',
      'firmwareVersion',
      'outcome',
      'errorCode',
      'message',
    ]);
    expect(parsed).toHaveLength(4);
    expect(parsed[3][16]).toBe('no answer, "quoted", with a comma\nand a line');
    expect(parsed[1][1]).toBe(ev[0].id);
    await again.close();
    const raw = await b.raw(spec);
    expect(Number((await raw.rows('SELECT count(*) AS n FROM events'))[0].n)).toBe(3);
    await raw.close();
  });

  test('recording the same event id twice (a retry after a lost answer) stores one row', async () => {
    const db = await FactoryDb.open(await b.fresh());
    const id = '6f1c2a52-5b0e-4c55-9d7e-0c1f2e3d4a5b';
    const first = await db.record({ ...base, id, outcome: 'attempt', ...provisioned });
    const second = await db.record({ ...base, id, outcome: 'attempt', ...provisioned });
    expect(second).toEqual(first);
    expect(await db.events()).toHaveLength(1);
    await db.close();
  });

  test('the database itself refuses: unknown outcomes, events without station/operator/time, edits and deletes of events', async () => {
    const spec = await b.fresh();
    await (await FactoryDb.open(spec)).close();
    const raw = await b.raw(spec);
    const ok =
      `INSERT INTO events (id, run_id, time, station, operator, command, port, outcome) VALUES ` +
      `('00000000-0000-4000-8000-000000000001','r','2026-01-01T00:00:00.000Z','s','o','c','p','failed')`;
    const bad: [string, RegExp][] = [
      [ok.replace("'failed'", "'bogus'"), /CHECK|check/],
      [ok.replace("'s','o'", "'','o'"), /CHECK|check/],
      [ok.replace("'s','o'", "'s',''"), /CHECK|check/],
      [ok.replace("'s','o'", "'s',NULL"), /NOT NULL|null/],
      [ok.replace("'2026-01-01T00:00:00.000Z'", "'yesterday'"), /CHECK|check/],
      [ok.replace("'failed'", "'written'"), /CHECK|check/], // a written event names its uid, key id and master key id
    ];
    for (const [sql, why] of bad) await expect(raw.exec(sql)).rejects.toThrow(why);
    await raw.exec(ok);
    const stored = (await raw.rows('SELECT recorded_at FROM events'))[0].recorded_at as string;
    expect(stored).toMatch(ISO); // the database's own clock, set by the default
    await expect(raw.exec("UPDATE events SET outcome = 'written'")).rejects.toThrow(/append-only/);
    await expect(raw.exec('DELETE FROM events')).rejects.toThrow(/append-only/);
    expect(await raw.rows('SELECT outcome FROM events')).toEqual([{ outcome: 'failed' }]);
    await raw.close();
  });

  test('a uid is written at most once per master key id: a second written event is refused by the database', async () => {
    const spec = await b.fresh();
    const db = await FactoryDb.open(spec);
    await db.record({ ...base, outcome: 'written', ...provisioned });
    await expect(
      db.record({ ...base, runId: 'run-2', station: 'st-2', outcome: 'written', ...provisioned }),
    ).rejects.toMatchObject({ code: 'E_FACTORY_CLAIMED' });
    // another master key id for the same uid is another key: allowed
    await db.record({ ...base, outcome: 'written', ...provisioned, masterKeyId: '1111111111111111' });
    await db.close();
    const raw = await b.raw(spec);
    await expect(
      raw.exec(`INSERT INTO events (id, run_id, time, station, operator, command, port, outcome, uid, key_id, master_key_id)
      VALUES ('00000000-0000-4000-8000-000000000002','r','2026-01-01T00:00:00.000Z','s','o','c','p','written','00aa','k','fedcba9876543210')`),
    ).rejects.toThrow(/unique|UNIQUE/);
    await raw.close();
  });

  test('claims: another station is refused while one is active; the same station may take it over; released frees it; done is final', async () => {
    const spec = await b.fresh();
    const db = await FactoryDb.open(spec);
    const who = (station: string, runId: string) => ({
      masterKeyId: 'm1',
      uid: 'u1',
      runId,
      station,
      operator: 'op',
      port: '/dev/x',
    });
    expect(await db.claim(who('A', 'r1'))).toEqual({ ok: true });
    expect(await db.claim(who('A', 'r1'))).toEqual({ ok: true }); // idempotent for the same run (a retry)
    const refused = await db.claim(who('B', 'r2'));
    expect(refused).toMatchObject({ ok: false, holder: { station: 'A', runId: 'r1', state: 'active' } });
    expect(await db.claim(who('A', 'r3'))).toEqual({ ok: true }); // station A again, after it stopped mid-write
    await db.finishClaim('m1', 'u1', 'r3', 'released');
    expect(await db.claim(who('B', 'r4'))).toEqual({ ok: true });
    await db.finishClaim('m1', 'u1', 'r4', 'done');
    for (const [st, run] of [
      ['A', 'r5'],
      ['B', 'r4'],
      ['C', 'r6'],
    ])
      expect(await db.claim(who(st, run))).toMatchObject({ ok: false, holder: { state: 'done', station: 'B' } });
    expect(await db.claim({ ...who('A', 'r7'), masterKeyId: 'm2' })).toEqual({ ok: true }); // another master key: another claim
    // a written event without a done claim (the station lost the database after recording it): nobody may claim again
    await db.record({ ...base, outcome: 'written', uid: 'u3', keyId: 'k', masterKeyId: 'm1' });
    expect(await db.claim({ ...who('C', 'r8'), uid: 'u3' })).toMatchObject({
      ok: false,
      holder: { state: 'done', station: 'st-1' },
    });
    await db.close();
    // and the database refuses to reopen or delete a done claim, whoever asks
    const raw = await b.raw(spec);
    await expect(
      raw.exec("UPDATE claims SET state = 'released' WHERE uid = 'u1' AND master_key_id = 'm1'"),
    ).rejects.toThrow(/at most once/);
    await expect(raw.exec("DELETE FROM claims WHERE master_key_id = 'm1'")).rejects.toThrow(/at most once/);
    await raw.close();
  });

  test('an unfinished claim of another station blocks until its lease runs out', async () => {
    const db = await FactoryDb.open(await b.fresh(), { claimLeaseS: 1 });
    const who = (station: string, runId: string) => ({
      masterKeyId: 'm',
      uid: 'u',
      runId,
      station,
      operator: 'op',
      port: 'p',
    });
    expect(await db.claim(who('A', 'r1'))).toEqual({ ok: true });
    expect((await db.claim(who('B', 'r2'))).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await db.claim(who('B', 'r2'))).toEqual({ ok: true });
    await db.close();
  });

  test("a product line's security counter only goes up, whoever writes (the repository or raw SQL)", async () => {
    const spec = await b.fresh();
    const db = await FactoryDb.open(spec);
    const who = { station: 's', operator: 'o' };
    expect((await db.setSecurityCounter('line-a', 3, who)).securityCounter).toBe(3);
    expect((await db.setSecurityCounter('line-a', 3, who)).securityCounter).toBe(3);
    expect((await db.setSecurityCounter('line-a', 7, who)).securityCounter).toBe(7);
    await expect(db.setSecurityCounter('line-a', 6, who)).rejects.toMatchObject({ code: 'E_FACTORY_COUNTER_DOWN' });
    await db.close();
    const raw = await b.raw(spec);
    await expect(raw.exec("UPDATE product_lines SET security_counter = 0 WHERE name = 'line-a'")).rejects.toThrow(
      /only goes up/,
    );
    await expect(raw.exec('DELETE FROM product_lines')).rejects.toThrow(/only goes up/);
    await expect(
      raw.exec("INSERT INTO product_lines (name, security_counter, station, operator) VALUES ('line-b', -1, 's', 'o')"),
    ).rejects.toThrow(/CHECK|check/);
    expect(await raw.rows('SELECT security_counter FROM product_lines')).toEqual([
      { security_counter: b.name === 'postgres' ? '7' : 7 },
    ]);
    await raw.close();
  });

  test('a schema-1 database is migrated to the current schema: rows kept, operator marked as not recorded, written boards claimed', async () => {
    const spec = await b.fresh();
    const raw = await b.raw(spec);
    const d = b.name === 'sqlite' ? SQLITE : POSTGRES;
    for (const sql of MIGRATIONS[0](d)) await raw.exec(sql);
    if (b.name === 'sqlite') await raw.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = 1`);
    else
      await raw.exec(
        "CREATE TABLE edgelock_schema (application TEXT NOT NULL, version INTEGER NOT NULL); INSERT INTO edgelock_schema VALUES ('edgelock-factory', 1)",
      );
    await raw.exec(`INSERT INTO events (id, run_id, time, station, command, port, uid, key_id, master_key_id, outcome)
      VALUES ('00000000-0000-4000-8000-00000000000a','r','2026-01-01T00:00:00.000Z','old-station','provision','p','00bb','k','m','attempt'),
             ('00000000-0000-4000-8000-00000000000b','r','2026-01-01T00:00:01.000Z','old-station','provision','p','00bb','k','m','written')`);
    await raw.close();
    const db = await FactoryDb.open(spec);
    expect(await db.schemaVersion()).toBe(SCHEMA_VERSION);
    const ev = await db.events();
    expect(ev.map((e) => [e.seq, e.outcome, e.operator, e.recordedAt])).toEqual([
      [1, 'attempt', OPERATOR_BEFORE_V2, '2026-01-01T00:00:00.000Z'],
      [2, 'written', OPERATOR_BEFORE_V2, '2026-01-01T00:00:01.000Z'],
    ]);
    const next = await db.record({ ...base, outcome: 'failed' });
    expect(next.seq).toBe(3); // the sequence continues after the copied rows
    expect(await db.claimOf('m', '00bb')).toMatchObject({ state: 'done', station: 'old-station' });
    expect(
      (await db.claim({ masterKeyId: 'm', uid: '00bb', runId: 'x', station: 'new', operator: 'o', port: 'p' })).ok,
    ).toBe(false);
    await db.close();
  });

  test('schema 4: a schema-3 trace log gains a units count (0 for old rows); trace reads units only of boards that have them', async () => {
    const spec = await b.fresh();
    const raw = await b.raw(spec);
    const d = b.name === 'sqlite' ? SQLITE : POSTGRES;
    for (const m of MIGRATIONS.slice(0, 3)) for (const sql of m(d)) await raw.exec(sql);
    if (b.name === 'sqlite') await raw.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = 3`);
    else
      await raw.exec(
        "CREATE TABLE edgelock_schema (application TEXT NOT NULL, version INTEGER NOT NULL); INSERT INTO edgelock_schema VALUES ('edgelock-factory', 3)",
      );
    const master = Buffer.alloc(32, 7);
    const mk = keyId(master);
    const row = (uid: string, sha: string) =>
      `('${mk}', '${uid}', '0123456789abcdef', '{"density":1,"minTensorElements":1024}', 100, '${sha.repeat(64)}', 'st', 'op')`;
    await raw.exec(`INSERT INTO trace_codes (master_key_id, uid, code_id, params, carriers, package_sha256, station, operator)
      VALUES ${row('00aa', 'a')}`);
    await raw.close();
    const db = await FactoryDb.open(spec);
    expect(await db.schemaVersion()).toBe(SCHEMA_VERSION);
    const rec = {
      masterKeyId: mk,
      codeId: '0123456789abcdef',
      params: '{"density":1,"minTensorElements":1024}',
      carriers: 100,
    };
    const who = { station: 'st', operator: 'op' };
    await db.recordTraceCode({ ...rec, ...who, uid: '00bb', units: 16, packageSha256: 'b'.repeat(64) });
    await db.recordTraceCode({ ...rec, ...who, uid: '00cc', units: 0, packageSha256: 'c'.repeat(64) });
    // a board packaged again, now from the model with units
    await db.recordTraceCode({ ...rec, ...who, uid: '00aa', units: 16, packageSha256: 'd'.repeat(64) });
    expect((await db.traceCodes()).map((r) => [r.uid, r.units])).toEqual([
      ['00aa', 0],
      ['00bb', 16],
      ['00cc', 0],
      ['00aa', 16],
    ]);
    const [group] = await traceCandidates(db, master);
    expect([...group.uids].sort()).toEqual(['00aa', '00bb', '00cc']);
    expect([...group.unitBoards!].sort()).toEqual(['00aa', '00bb']);
    // the count is a count: the database refuses a negative one
    await expect(
      db.recordTraceCode({ ...rec, ...who, uid: '00dd', units: -1, packageSha256: 'e'.repeat(64) }),
    ).rejects.toThrow();
    await db.close();
  });

  test('databases that are not edgelock factory databases, or newer ones, are refused with catalogue errors', async () => {
    const foreign = await b.fresh();
    const r = await b.raw(foreign);
    await r.exec('CREATE TABLE t (x INTEGER)');
    await r.close();
    await expect(FactoryDb.open(foreign)).rejects.toMatchObject({ code: 'E_FACTORY_DB' });

    const empty = await b.fresh();
    if (b.name === 'sqlite') fs.writeFileSync(empty, '');
    await expect(FactoryDb.open(empty, { mustExist: true })).rejects.toMatchObject({ code: 'E_FACTORY_DB' });
    const e = await b.raw(empty);
    expect(
      Number(
        (
          await e.rows(
            b.name === 'sqlite'
              ? 'SELECT count(*) AS n FROM sqlite_master'
              : "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'",
          )
        )[0].n,
      ),
    ).toBe(0);
    await e.close();

    const newer = await b.fresh();
    await (await FactoryDb.open(newer)).close();
    const w = await b.raw(newer);
    await w.exec(
      b.name === 'sqlite'
        ? `PRAGMA user_version = ${SCHEMA_VERSION + 1}`
        : `UPDATE edgelock_schema SET version = ${SCHEMA_VERSION + 1}`,
    );
    await w.close();
    await expect(FactoryDb.open(newer)).rejects.toMatchObject({ code: 'E_FACTORY_DB_VERSION' });
  });
});

describe('factory database on PostgreSQL: connection faults', () => {
  test('a server that is not there: E_FACTORY_DB_UNREACHABLE after the retry budget, with backoff between tries', async () => {
    const url = `postgres://edgelock@127.0.0.1:${await freePort()}/none`; // a closed port: nothing listens there
    const tries: number[] = [];
    const t0 = Date.now();
    await expect(
      FactoryDb.open(url, { retryMs: 1500, onRetry: () => tries.push(Date.now() - t0) }),
    ).rejects.toMatchObject({ code: 'E_FACTORY_DB_UNREACHABLE' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(tries.length).toBeGreaterThanOrEqual(3);
    // backoff: the gaps grow
    const gaps = tries.slice(1).map((t, i) => t - tries[i]);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
  });

  test('a missing database or a password in the URL: a catalogue error that does not repeat the password', async () => {
    await expect(FactoryDb.open(pg.url('no_such_db'), { retryMs: 500 })).rejects.toMatchObject({
      code: 'E_FACTORY_DB',
    });
    const secretUrl = `postgres://edgelock:s3cr3t-pw@127.0.0.1:${pg.port}/no_such_db`;
    const err = await FactoryDb.open(secretUrl, { retryMs: 500 }).catch((e) => e);
    expect(JSON.stringify({ m: err.message, l: err.location })).not.toContain('s3cr3t-pw');
  });

  test('the server restarted between two statements: the next one reconnects and succeeds; nothing duplicated', async () => {
    const url = await pg.createDatabase();
    const retries: string[] = [];
    const db = await FactoryDb.open(url, { retryMs: 30000, onRetry: (_a, m) => retries.push(m) });
    await db.record({ ...base, outcome: 'failed' });
    pg.stopServer('fast');
    const pending = db.record({ ...base, outcome: 'dry-run' }); // sent while the server is down
    await new Promise((r) => setTimeout(r, 800));
    await pg.startServer();
    await pending;
    expect(retries.length).toBeGreaterThan(0);
    expect((await db.events()).map((e) => e.outcome)).toEqual(['failed', 'dry-run']);
    await db.close();
  }, 60000);
});

describe('factory database: SQLite specifics (file, WAL, locks)', () => {
  test('a new database is in WAL mode with the versioned schema, as SQLite itself reports', async () => {
    const file = freshFile();
    await (await FactoryDb.open(file)).close();
    // checked with a separate, plain connection, not through FactoryDb
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    const cols = (raw.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(
      expect.arrayContaining([
        'id',
        'key_id',
        'station',
        'operator',
        'firmware_version',
        'time',
        'recorded_at',
        'command',
        'outcome',
        'error_code',
        'uid',
      ]),
    );
    raw.close();
    // the header of the file says WAL too (bytes 18 and 19 are 2 for WAL)
    const header = fs.readFileSync(file).subarray(0, 20);
    expect(header.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect([header[18], header[19]]).toEqual([2, 2]);
  });

  test('a reader sees committed rows while another connection holds a write transaction (WAL)', async () => {
    const file = freshFile();
    const db = await FactoryDb.open(file);
    await db.record({ ...base, outcome: 'unchanged', ...provisioned });
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    writer
      .prepare(
        'INSERT INTO events (id, run_id, time, station, operator, command, port, outcome) VALUES ' +
          "('00000000-0000-4000-8000-000000000003','r','2026-01-01T00:00:00.000Z','s','o','c','p','failed')",
      )
      .run();
    const reader = await FactoryDb.open(file, { mustExist: true, busyTimeoutMs: 50 });
    expect((await reader.events()).map((e) => e.outcome)).toEqual(['unchanged']);
    writer.exec('COMMIT');
    expect((await reader.events()).length).toBe(2);
    await reader.close();
    writer.close();
    await db.close();
  });

  test('a database locked by another writer gives E_FACTORY_DB_BUSY, not a stack trace', async () => {
    const file = freshFile();
    const db = await FactoryDb.open(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const t0 = Date.now();
    await expect(db.record({ ...base, outcome: 'failed' })).rejects.toMatchObject({ code: 'E_FACTORY_DB_BUSY' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40); // it waited for the lock first
    other.exec('ROLLBACK');
    expect((await db.record({ ...base, outcome: 'failed' })).outcome).toBe('failed');
    other.close();
    await db.close();
  });

  test('files that are not SQLite databases, and missing files, are refused with catalogue errors', async () => {
    const notDb = path.join(dir, 'text.db');
    fs.writeFileSync(
      notDb,
      'this is not a database, just some text long enough to look like a header........\n'.repeat(20),
    );
    await expect(FactoryDb.open(notDb)).rejects.toMatchObject({ code: 'E_FACTORY_DB' });
    await expect(FactoryDb.open(path.join(dir, 'missing.db'), { mustExist: true })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });
});

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF records), written for this test. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let rec: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      rec.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      rec.push(field);
      records.push(rec);
      rec = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  return records;
}
