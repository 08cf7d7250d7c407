/**
 * The factory database in one SQLite file (better-sqlite3): the embedded default. WAL mode (checked when
 * opening), synchronous = FULL; `PRAGMA application_id` marks the file, `PRAGMA user_version` is the schema
 * version. A statement that waits longer than the busy timeout for another writer gives E_FACTORY_DB_BUSY.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import { EdgelockError } from '../errors';
import { isKeyFile } from '../keys/key-file';
import { Driver, SchemaState, schemaRefusal } from './db-driver';
import { SQLITE } from './schema';

/** "ELFB": marks an edgelock factory database. */
export const APPLICATION_ID = 0x454c4642;

/** Turns a SQLite failure into the catalogue error a user sees. */
function dbError(e: unknown, file: string, doing: string): EdgelockError {
  if (e instanceof EdgelockError) return e;
  const code = (e as { code?: string }).code ?? '';
  // not `instanceof Error`: better-sqlite3 throws its SqliteError class of the realm that first loaded it
  const m = (e as { message?: unknown } | null)?.message;
  const msg = typeof m === 'string' ? m : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new EdgelockError('E_FACTORY_DB_BUSY', `${doing}: the database is locked by another process (${code})`, {
      file,
    });
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new EdgelockError('E_FACTORY_DB', `${doing}: not a SQLite database (${code})`, { file });
  }
  return (
    schemaRefusal(msg, file, doing) ??
    new EdgelockError('E_FACTORY_DB', `${doing}: ${msg}${code ? ` (${code})` : ''}`, { file })
  );
}

export class SqliteDriver implements Driver {
  readonly dialect = SQLITE;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {}

  static open(file: string, opts: { mustExist: boolean; busyTimeoutMs: number }): SqliteDriver {
    if (opts.mustExist && !fs.existsSync(file))
      throw new EdgelockError('E_FILE_NOT_FOUND', `no factory database at '${file}'`, { file });
    if (isKeyFile(file))
      throw new EdgelockError(
        'E_OUTPUT_IS_KEY',
        `'${file}' is a key file, not a factory database; nothing was written`,
        { file },
      );
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: opts.mustExist, timeout: opts.busyTimeoutMs });
    } catch (e) {
      throw dbError(e, file, 'opening the factory database');
    }
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal')
        throw new EdgelockError('E_FACTORY_DB', `the database refused WAL mode (journal_mode is '${mode}')`, { file });
      db.pragma('synchronous = FULL');
      return new SqliteDriver(db, file);
    } catch (e) {
      db.close();
      throw dbError(e, file, 'opening the factory database');
    }
  }

  private prepared(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  async all<T>(sql: string, params: readonly unknown[] = [], doing = 'reading the factory database'): Promise<T[]> {
    try {
      return this.prepared(sql).all(...params) as T[];
    } catch (e) {
      throw dbError(e, this.location, doing);
    }
  }

  async run(sql: string, params: readonly unknown[] = [], doing = 'writing the factory database'): Promise<number> {
    try {
      return this.prepared(sql).run(...params).changes;
    } catch (e) {
      throw dbError(e, this.location, doing);
    }
  }

  private state(): SchemaState & { appId: number } {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const appId = this.db.pragma('application_id', { simple: true }) as number;
    const tables = (
      this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
    ).n;
    return { version, appId, foreign: version === 0 ? tables > 0 || appId !== 0 : appId !== APPLICATION_ID };
  }

  async schemaState(): Promise<SchemaState> {
    try {
      const { version, foreign } = this.state();
      return { version, foreign };
    } catch (e) {
      throw dbError(e, this.location, 'opening the factory database');
    }
  }

  async migrate(target: number, steps: (from: number) => string[]): Promise<void> {
    try {
      this.db
        .transaction(() => {
          const { version, foreign } = this.state();
          if (foreign)
            throw new EdgelockError('E_FACTORY_DB', 'the file is a SQLite database of something else', {
              file: this.location,
            });
          if (version >= target) return;
          for (const sql of steps(version)) this.db.exec(sql);
          if (version === 0) this.db.pragma(`application_id = ${APPLICATION_ID}`);
          this.db.pragma(`user_version = ${target}`);
        })
        .immediate();
      this.statements.clear();
    } catch (e) {
      throw dbError(e, this.location, 'migrating the factory database');
    }
  }

  /** The SQLite journal mode (WAL). */
  get journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
