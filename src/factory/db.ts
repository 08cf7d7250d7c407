/**
 * The factory database: a SQLite file (better-sqlite3, WAL mode) holding one row per event of the
 * factory commands — every provisioning attempt and every result — so a station's work can be audited.
 *
 * It never holds key material: boards are named by their unique id (public), keys by their key id
 * (first 8 bytes of HMAC-SHA256(key, "edgelock key id"), src/keys/derive.ts).
 *
 * Opened once per command. WAL lets `factory report` read while a station writes; a database locked
 * by another writer for longer than the busy timeout gives E_FACTORY_DB_BUSY. The schema is versioned
 * with `PRAGMA user_version` and the file marked with `PRAGMA application_id`.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { isKeyFile } from '../keys/key-file';
import { EdgelockError } from '../errors';

/** "ELFB": marks an edgelock factory database. */
export const APPLICATION_ID = 0x454c4642;
export const SCHEMA_VERSION = 1;
export const DEFAULT_BUSY_TIMEOUT_MS = 1000;

/**
 * What happened. `attempt` is written just before a key is written to a board; the row with its result
 * follows (a lone attempt means the station stopped between the two, and the board must be checked).
 */
export const OUTCOMES = ['attempt', 'written', 'unchanged', 'refused-conflict', 'failed', 'dry-run'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface FactoryEventInput {
  runId: string;
  station: string;
  command: string;
  port: string;
  outcome: Outcome;
  board?: string | null;
  uid?: string | null;
  /** key id of the device key concerned (never the key) */
  keyId?: string | null;
  /** key id of the master key the station used */
  masterKeyId?: string | null;
  firmwareVersion?: string | null;
  errorCode?: string | null;
  message?: string | null;
}

export interface FactoryEvent {
  seq: number;
  /** unique id of the event (UUID v4) */
  id: string;
  /** ISO 8601, UTC, milliseconds */
  time: string;
  runId: string;
  station: string;
  command: string;
  port: string;
  outcome: Outcome;
  board: string | null;
  uid: string | null;
  keyId: string | null;
  masterKeyId: string | null;
  firmwareVersion: string | null;
  errorCode: string | null;
  message: string | null;
}

const SCHEMA_V1 = `
CREATE TABLE events (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  run_id           TEXT NOT NULL,
  time             TEXT NOT NULL,
  station          TEXT NOT NULL,
  command          TEXT NOT NULL,
  port             TEXT NOT NULL,
  board            TEXT,
  uid              TEXT,
  key_id           TEXT,
  master_key_id    TEXT,
  firmware_version TEXT,
  outcome          TEXT NOT NULL CHECK (outcome IN (${OUTCOMES.map((o) => `'${o}'`).join(', ')})),
  error_code       TEXT,
  message          TEXT
);
CREATE INDEX events_uid ON events (uid);
CREATE INDEX events_run ON events (run_id);
`;

interface Row {
  seq: number;
  id: string;
  run_id: string;
  time: string;
  station: string;
  command: string;
  port: string;
  board: string | null;
  uid: string | null;
  key_id: string | null;
  master_key_id: string | null;
  firmware_version: string | null;
  outcome: Outcome;
  error_code: string | null;
  message: string | null;
}

function fromRow(r: Row): FactoryEvent {
  return {
    seq: r.seq, id: r.id, runId: r.run_id, time: r.time, station: r.station, command: r.command, port: r.port,
    board: r.board, uid: r.uid, keyId: r.key_id, masterKeyId: r.master_key_id, firmwareVersion: r.firmware_version,
    outcome: r.outcome, errorCode: r.error_code, message: r.message,
  };
}

/** Turns a SQLite failure into the catalogue error a user sees. */
function dbError(e: unknown, file: string, doing: string): EdgelockError {
  if (e instanceof EdgelockError) return e;
  const code = (e as { code?: string }).code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new EdgelockError('E_FACTORY_DB_BUSY', `${doing}: the database is locked by another process (${code})`, { file });
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new EdgelockError('E_FACTORY_DB', `${doing}: not a SQLite database (${code})`, { file });
  }
  return new EdgelockError('E_FACTORY_DB', `${doing}: ${msg}${code ? ` (${code})` : ''}`, { file });
}

export interface OpenOptions {
  /** refuse a missing file instead of creating one (reports) */
  mustExist?: boolean;
  /** how long a statement waits for another writer's lock before E_FACTORY_DB_BUSY */
  busyTimeoutMs?: number;
}

export class FactoryDb {
  private constructor(private readonly db: Database.Database, readonly file: string) {}

  /** Opens (creating if allowed) the database, switches it to WAL and brings the schema to the current version. */
  static open(file: string, opts: OpenOptions = {}): FactoryDb {
    if (opts.mustExist && !fs.existsSync(file)) throw new EdgelockError('E_FILE_NOT_FOUND', `no factory database at '${file}'`, { file });
    if (isKeyFile(file)) throw new EdgelockError('E_OUTPUT_IS_KEY', `'${file}' is a key file, not a factory database; nothing was written`, { file });
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: Boolean(opts.mustExist), timeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    } catch (e) {
      throw dbError(e, file, 'opening the factory database');
    }
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new EdgelockError('E_FACTORY_DB', `the database refused WAL mode (journal_mode is '${mode}')`, { file });
      db.pragma('synchronous = FULL');
      FactoryDb.migrate(db, file, !opts.mustExist);
      return new FactoryDb(db, file);
    } catch (e) {
      db.close();
      throw dbError(e, file, 'opening the factory database');
    }
  }

  /** Creates the schema in a new database (only when `create`: a report never turns a file into a factory database). */
  private static migrate(db: Database.Database, file: string, create: boolean): void {
    const version = db.pragma('user_version', { simple: true }) as number;
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new EdgelockError('E_FACTORY_DB_VERSION', `schema version ${version}; this edgelock knows up to ${SCHEMA_VERSION}`, { file });
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (tables.n > 0 || appId !== 0) throw new EdgelockError('E_FACTORY_DB', 'the file is a SQLite database of something else', { file });
      if (!create) throw new EdgelockError('E_FACTORY_DB', 'the file holds no factory events (an empty database)', { file });
      db.transaction(() => {
        db.exec(SCHEMA_V1);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
      return;
    }
    if (appId !== APPLICATION_ID) throw new EdgelockError('E_FACTORY_DB', 'the file is a SQLite database of something else', { file });
  }

  get journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Appends one event and returns it as stored. */
  record(e: FactoryEventInput): FactoryEvent {
    if (!OUTCOMES.includes(e.outcome)) throw new EdgelockError('E_INTERNAL', `unknown factory outcome '${e.outcome}'`);
    const id = randomUUID();
    const time = new Date().toISOString();
    try {
      const info = this.db
        .prepare(`INSERT INTO events (id, run_id, time, station, command, port, board, uid, key_id, master_key_id, firmware_version, outcome, error_code, message)
                  VALUES (@id, @runId, @time, @station, @command, @port, @board, @uid, @keyId, @masterKeyId, @firmwareVersion, @outcome, @errorCode, @message)`)
        .run({
          id, time, runId: e.runId, station: e.station, command: e.command, port: e.port, outcome: e.outcome,
          board: e.board ?? null, uid: e.uid ?? null, keyId: e.keyId ?? null, masterKeyId: e.masterKeyId ?? null,
          firmwareVersion: e.firmwareVersion ?? null, errorCode: e.errorCode ?? null, message: e.message ?? null,
        });
      return this.bySeq(Number(info.lastInsertRowid));
    } catch (err) {
      throw dbError(err, this.file, `recording a ${e.command} event`);
    }
  }

  private bySeq(seq: number): FactoryEvent {
    return fromRow(this.db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as Row);
  }

  /** Events in the order they were recorded, optionally filtered. */
  events(filter: { uid?: string; runId?: string; station?: string } = {}): FactoryEvent[] {
    const where: string[] = [];
    const args: Record<string, string> = {};
    if (filter.uid) {
      where.push('uid = @uid');
      args.uid = filter.uid.toLowerCase();
    }
    if (filter.runId) {
      where.push('run_id = @runId');
      args.runId = filter.runId;
    }
    if (filter.station) {
      where.push('station = @station');
      args.station = filter.station;
    }
    try {
      const rows = this.db.prepare(`SELECT * FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`).all(args) as Row[];
      return rows.map(fromRow);
    } catch (err) {
      throw dbError(err, this.file, 'reading the factory database');
    }
  }

  close(): void {
    this.db.close();
  }
}
