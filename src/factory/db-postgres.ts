/**
 * The factory database on PostgreSQL (the `pg` client): several stations, one record.
 *
 * One connection per command. Every statement the repository sends is idempotent (events carry ids made by
 * the station and are inserted ON CONFLICT DO NOTHING; claims are upserts keyed by uid and master key id), so
 * when the connection drops — the server restarted, the network hiccuped, an answer was lost after the
 * commit — the statement is simply sent again on a new connection, with exponential backoff (50 ms doubling
 * to 1 s), until the retry budget is spent; then E_FACTORY_DB_UNREACHABLE, and the station writes no key it
 * could not record (the claim and the attempt row come first).
 *
 * The schema version lives in the table `edgelock_schema` (application, version); migrations run under a
 * transaction-level advisory lock, so stations starting at once migrate once.
 */
import { Client, ClientConfig } from 'pg';
import { EdgelockError } from '../errors';
import { Driver, SchemaState, schemaRefusal } from './db-driver';
import { POSTGRES } from './schema';

export const APPLICATION = 'edgelock-factory';
/** pg_advisory_xact_lock key for migrations ("ELFB") */
const MIGRATION_LOCK = 0x454c4642;
export const DEFAULT_RETRY_MS = 30000;

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(invalid URL)';
  }
}

/** SQLSTATEs and socket errors after which sending the statement again can succeed. */
const TRANSIENT_SQLSTATE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '40001',
  '40P01',
]);
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

function transient(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  if (code && (TRANSIENT_SQLSTATE.has(code) || TRANSIENT_ERRNO.has(code))) return true;
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|connection error|not queryable|timeout|ECONNREFUSED|ECONNRESET/i.test(msg);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `?` placeholders (the shared SQL) to PostgreSQL's `$1, $2, ...`. The shared SQL has no `?` in literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export interface PostgresOptions {
  /** how long statements are retried while the server cannot be reached, before E_FACTORY_DB_UNREACHABLE */
  retryMs?: number;
  /** called before each retry (for logs and tests) */
  onRetry?: (attempt: number, error: string) => void;
}

export class PostgresDriver implements Driver {
  readonly dialect = POSTGRES;
  readonly location: string;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;
  private readonly retryMs: number;
  /** statements go one at a time over the one connection (boards handled concurrently share it) */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly opts: PostgresOptions = {},
  ) {
    this.location = redactUrl(url);
    this.retryMs = opts.retryMs ?? DEFAULT_RETRY_MS;
  }

  private config(): ClientConfig {
    const connectMs = Math.max(500, Math.min(5000, this.retryMs));
    return {
      connectionString: this.url,
      connectionTimeoutMillis: connectMs,
      query_timeout: 15000,
      application_name: 'edgelock',
      keepAlive: true,
    };
  }

  /** The open connection, or a new one (one attempt at a time). */
  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      const c = new Client(this.config());
      // a connection lost while idle: forget it; the next statement reconnects
      c.on('error', () => this.forget(c));
      c.on('end', () => this.forget(c));
      this.connecting = c.connect().then(
        () => {
          this.connecting = undefined;
          if (this.closed) {
            void c.end().catch(() => undefined);
            throw new EdgelockError('E_FACTORY_DB', 'the factory database connection was closed', {
              file: this.location,
            });
          }
          this.client = c;
          return c;
        },
        (e) => {
          this.connecting = undefined;
          void c.end().catch(() => undefined);
          throw e;
        },
      );
    }
    return this.connecting;
  }

  private forget(c: Client): void {
    if (this.client === c) this.client = undefined;
    void c.end().catch(() => undefined);
  }

  private error(e: unknown, doing: string): EdgelockError {
    if (e instanceof EdgelockError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    if (code === '3D000' || code === '28P01' || code === '28000') {
      return new EdgelockError('E_FACTORY_DB', `${doing}: ${msg} (${code})`, { file: this.location });
    }
    return (
      schemaRefusal(msg, this.location, doing) ??
      new EdgelockError('E_FACTORY_DB', `${doing}: ${msg}${code ? ` (${code})` : ''}`, { file: this.location })
    );
  }

  /** Runs `fn` over the connection after the statements queued before it, retrying on a lost connection. */
  private withRetry<T>(doing: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.retrying(doing, fn));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async retrying<T>(doing: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      if (this.closed)
        throw new EdgelockError('E_FACTORY_DB', `${doing}: the factory database connection was closed`, {
          file: this.location,
        });
      let c: Client | undefined;
      try {
        c = await this.connect();
        return await fn(c);
      } catch (e) {
        if (!transient(e)) throw this.error(e, doing);
        if (c) this.forget(c);
        const msg = e instanceof Error ? e.message : String(e);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new EdgelockError(
            'E_FACTORY_DB_UNREACHABLE',
            `${doing}: the database did not answer for ${(this.retryMs / 1000).toFixed(1)} s (${attempt} tries; last: ${msg})`,
            { file: this.location },
          );
        }
        this.opts.onRetry?.(attempt, msg);
        await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  async all<T>(sql: string, params: readonly unknown[] = [], doing = 'reading the factory database'): Promise<T[]> {
    const text = numberPlaceholders(sql);
    return this.withRetry(doing, async (c) => (await c.query(text, params as unknown[])).rows as T[]);
  }

  async run(sql: string, params: readonly unknown[] = [], doing = 'writing the factory database'): Promise<number> {
    const text = numberPlaceholders(sql);
    return this.withRetry(doing, async (c) => (await c.query(text, params as unknown[])).rowCount ?? 0);
  }

  private static async state(c: Client): Promise<SchemaState> {
    const has = await c.query(
      "SELECT to_regclass('edgelock_schema') IS NOT NULL AS has, (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()) AS tables",
    );
    if (!has.rows[0].has) return { version: 0, foreign: Number(has.rows[0].tables) > 0 };
    const r = await c.query('SELECT application, version FROM edgelock_schema');
    if (r.rows.length !== 1 || r.rows[0].application !== APPLICATION) return { version: 0, foreign: true };
    return { version: Number(r.rows[0].version), foreign: false };
  }

  async schemaState(): Promise<SchemaState> {
    return this.withRetry('opening the factory database', (c) => PostgresDriver.state(c));
  }

  async migrate(target: number, steps: (from: number) => string[]): Promise<void> {
    await this.withRetry('migrating the factory database', async (c) => {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const { version, foreign } = await PostgresDriver.state(c);
        if (foreign)
          throw new EdgelockError('E_FACTORY_DB', 'the database holds tables of something else (no edgelock_schema)', {
            file: this.location,
          });
        if (version < target) {
          if (version === 0) {
            await c.query('CREATE TABLE edgelock_schema (application TEXT NOT NULL, version INTEGER NOT NULL)');
            await c.query('INSERT INTO edgelock_schema (application, version) VALUES ($1, 0)', [APPLICATION]);
          }
          for (const sql of steps(version)) await c.query(sql);
          await c.query('UPDATE edgelock_schema SET version = $1', [target]);
        }
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.end().catch(() => undefined);
  }
}
