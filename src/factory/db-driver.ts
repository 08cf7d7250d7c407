/**
 * What the factory repository (db.ts) needs from a database: run SQL (written once, `?` placeholders),
 * read the schema version, migrate under a lock. Two implementations: db-sqlite.ts (better-sqlite3, one
 * file, the embedded default) and db-postgres.ts (pg, several stations on one server).
 */
import { EdgelockError } from '../errors';
import { Dialect, REFUSAL_PREFIX } from './schema';

export interface SchemaState {
  /** 0: no edgelock schema yet */
  version: number;
  /** the database holds something that is not an edgelock factory database */
  foreign: boolean;
}

export interface Driver {
  readonly dialect: Dialect;
  /** where the database is, for messages (a file, or a URL without its password) */
  readonly location: string;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], doing?: string): Promise<T[]>;
  /** runs a statement; resolves with the number of rows it changed */
  run(sql: string, params?: readonly unknown[], doing?: string): Promise<number>;
  schemaState(): Promise<SchemaState>;
  /**
   * Under a lock that other stations opening the same database respect: reads the version again and, if it
   * is below `target`, runs `steps(version)` and sets the version to `target`, all in one transaction.
   */
  migrate(target: number, steps: (from: number) => string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A refusal by the schema (trigger or unique constraint) as the catalogue error it stands for, whatever the
 * backend; undefined when the message is not one.
 */
export function schemaRefusal(message: string, location: string, doing: string): EdgelockError | undefined {
  const i = message.indexOf(REFUSAL_PREFIX);
  if (i >= 0) {
    const what = message.slice(i + REFUSAL_PREFIX.length);
    const code = what.includes('security counter')
      ? 'E_FACTORY_COUNTER_DOWN'
      : what.includes('at most once')
        ? 'E_FACTORY_CLAIMED'
        : 'E_FACTORY_DB';
    return new EdgelockError(code, `${doing}: the database refused it: ${what}`, { file: location });
  }
  if (/events_written_once|events\.master_key_id, events\.uid/.test(message)) {
    return new EdgelockError(
      'E_FACTORY_CLAIMED',
      `${doing}: the database refused it: this device uid was already written with this master key id (at most once)`,
      { file: location },
    );
  }
  return undefined;
}
