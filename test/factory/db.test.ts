import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { APPLICATION_ID, FactoryDb, SCHEMA_VERSION } from '../../src/factory/db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-db-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `f${n++}.db`);

const base = { runId: 'run-1', station: 'st-1', command: 'provision', port: '/dev/pts/1' };

describe('factory database', () => {
  test('a new database is in WAL mode with the versioned schema, as SQLite itself reports', () => {
    const file = fresh();
    FactoryDb.open(file).close();
    // checked with a separate, plain connection, not through FactoryDb
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    const cols = (raw.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(['id', 'key_id', 'station', 'firmware_version', 'time', 'command', 'outcome', 'error_code', 'uid']));
    raw.close();
    // the header of the file says WAL too (bytes 18 and 19 are 2 for WAL)
    const header = fs.readFileSync(file).subarray(0, 20);
    expect(header.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect([header[18], header[19]]).toEqual([2, 2]);
  });

  test('events are stored one row each with a unique id and an ISO time, and read back in order', () => {
    const file = fresh();
    const db = FactoryDb.open(file);
    const a = db.record({ ...base, outcome: 'attempt', uid: '00aa', keyId: '0123456789abcdef', firmwareVersion: '1.2.3' });
    const b = db.record({ ...base, outcome: 'written', uid: '00aa', keyId: '0123456789abcdef', firmwareVersion: '1.2.3' });
    db.record({ ...base, port: '/dev/pts/2', outcome: 'failed', errorCode: 'E_DEVICE_TIMEOUT', message: 'no answer' });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(a.time).toISOString()).toBe(a.time);
    db.close();
    const again = FactoryDb.open(file, { mustExist: true });
    const ev = again.events();
    expect(ev.map((e) => e.outcome)).toEqual(['attempt', 'written', 'failed']);
    expect(ev[2]).toMatchObject({ uid: null, keyId: null, errorCode: 'E_DEVICE_TIMEOUT', port: '/dev/pts/2' });
    expect(again.events({ uid: '00AA' }).length).toBe(2);
    again.close();
    const raw = new Database(file, { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(3);
    raw.close();
  });

  test('an unknown outcome is refused by the schema itself', () => {
    const file = fresh();
    FactoryDb.open(file).close();
    const raw = new Database(file);
    expect(() => raw.prepare("INSERT INTO events (id, run_id, time, station, command, port, outcome) VALUES ('x','r','t','s','c','p','bogus')").run()).toThrow(/CHECK/);
    raw.close();
  });

  test('a reader sees committed rows while another connection holds a write transaction (WAL)', () => {
    const file = fresh();
    const db = FactoryDb.open(file);
    db.record({ ...base, outcome: 'unchanged' });
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("INSERT INTO events (id, run_id, time, station, command, port, outcome) VALUES ('x','r','t','s','c','p','failed')").run();
    const reader = FactoryDb.open(file, { mustExist: true, busyTimeoutMs: 50 });
    expect(reader.events().map((e) => e.outcome)).toEqual(['unchanged']);
    writer.exec('COMMIT');
    expect(reader.events().length).toBe(2);
    reader.close();
    writer.close();
    db.close();
  });

  test('a database locked by another writer gives E_FACTORY_DB_BUSY, not a stack trace', () => {
    const file = fresh();
    const db = FactoryDb.open(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const t0 = Date.now();
    expect(() => db.record({ ...base, outcome: 'attempt' })).toThrow(expect.objectContaining({ code: 'E_FACTORY_DB_BUSY' }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40); // it waited for the lock first
    other.exec('ROLLBACK');
    expect(db.record({ ...base, outcome: 'attempt' }).outcome).toBe('attempt');
    other.close();
    db.close();
  });

  test('files that are not factory databases are refused with catalogue errors', () => {
    const notDb = path.join(dir, 'text.db');
    fs.writeFileSync(notDb, 'this is not a database, just some text long enough to look like a header........\n'.repeat(20));
    expect(() => FactoryDb.open(notDb)).toThrow(expect.objectContaining({ code: 'E_FACTORY_DB' }));

    const foreign = fresh();
    const f = new Database(foreign);
    f.exec('CREATE TABLE t (x)');
    f.close();
    expect(() => FactoryDb.open(foreign)).toThrow(expect.objectContaining({ code: 'E_FACTORY_DB' }));

    const newer = fresh();
    FactoryDb.open(newer).close();
    const w = new Database(newer);
    w.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    w.close();
    expect(() => FactoryDb.open(newer)).toThrow(expect.objectContaining({ code: 'E_FACTORY_DB_VERSION' }));

    expect(() => FactoryDb.open(path.join(dir, 'missing.db'), { mustExist: true })).toThrow(expect.objectContaining({ code: 'E_FILE_NOT_FOUND' }));
    // a report (mustExist) never turns an empty file into a factory database
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    expect(() => FactoryDb.open(empty, { mustExist: true })).toThrow(expect.objectContaining({ code: 'E_FACTORY_DB' }));
    const e = new Database(empty, { readonly: true });
    expect((e.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n).toBe(0);
    e.close();
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });
});
