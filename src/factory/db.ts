/**
 * The factory database: one row per event of the factory commands — every provisioning attempt and every
 * result — plus the claims that let several stations share one record, and product lines' security counters.
 *
 * One repository over two backends (db-driver.ts): a SQLite file (`--db factory.db`, the embedded default,
 * db-sqlite.ts) or PostgreSQL (`--db postgres://…` or EDGELOCK_DB, db-postgres.ts), with one schema and one
 * list of migrations (schema.ts). The invariants are the database's (constraints and triggers), not this
 * code's: see schema.ts.
 *
 * It never holds key material: boards are named by their unique id (public), keys by their key id
 * (first 8 bytes of HMAC-SHA256(key, "edgelock key id"), src/keys/derive.ts).
 */
import { randomUUID } from 'crypto';
import { EdgelockError } from '../errors';
import { Driver } from './db-driver';
import { PostgresDriver, PostgresOptions, isPostgresUrl } from './db-postgres';
import { APPLICATION_ID, SqliteDriver } from './db-sqlite';
import { OUTCOMES, Outcome } from './outcomes';
import { Backend, MIGRATIONS, SCHEMA_VERSION } from './schema';

export { APPLICATION_ID, OUTCOMES, SCHEMA_VERSION };
export type { Backend, Outcome };
export const DEFAULT_BUSY_TIMEOUT_MS = 1000;
/** How long a claim that was never finished (the station stopped) blocks other stations. */
export const DEFAULT_CLAIM_LEASE_S = 120;

export interface FactoryEventInput {
  /** the event's id; made here when absent (a retried insert with the same id is not stored twice) */
  id?: string;
  runId: string;
  station: string;
  /** who ran the station (the OS user by default) */
  operator: string;
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
  /** unique id of the event (UUID v4), made by the station */
  id: string;
  /** the station's clock: ISO 8601, UTC, milliseconds */
  time: string;
  /** the database's clock when the row was stored (same format) */
  recordedAt: string;
  runId: string;
  station: string;
  operator: string;
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

/** The column order of every event (report --json, export). */
export const EVENT_FIELDS: readonly (keyof FactoryEvent)[] = [
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
];

interface Row {
  seq: number | string;
  id: string;
  run_id: string;
  time: string;
  recorded_at: string;
  station: string;
  operator: string;
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
    seq: Number(r.seq),
    id: r.id,
    time: r.time,
    recordedAt: r.recorded_at,
    runId: r.run_id,
    station: r.station,
    operator: r.operator,
    command: r.command,
    port: r.port,
    board: r.board,
    uid: r.uid,
    keyId: r.key_id,
    masterKeyId: r.master_key_id,
    firmwareVersion: r.firmware_version,
    outcome: r.outcome,
    errorCode: r.error_code,
    message: r.message,
  };
}

export interface Claim {
  masterKeyId: string;
  uid: string;
  state: 'active' | 'done' | 'released';
  runId: string;
  station: string;
  operator: string;
  port: string;
  claimedAt: string;
  expiresAt: string;
}

export interface ProductLine {
  name: string;
  securityCounter: number;
  station: string;
  operator: string;
  updatedAt: string;
}

export interface OpenOptions {
  /** refuse a missing database instead of creating one (reports, exports) */
  mustExist?: boolean;
  /** SQLite: how long a statement waits for another writer's lock before E_FACTORY_DB_BUSY */
  busyTimeoutMs?: number;
  /** PostgreSQL: how long statements are retried while the server cannot be reached */
  retryMs?: number;
  onRetry?: PostgresOptions['onRetry'];
  /** how long an unfinished claim blocks other stations */
  claimLeaseS?: number;
}

/** The database a command uses: `--db`, else EDGELOCK_DB; a usage error when neither is given. */
export function dbSpec(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const spec = flag ?? env.EDGELOCK_DB;
  if (!spec) throw new EdgelockError('E_USAGE', 'missing --db <factory.db | postgres://…> (or set EDGELOCK_DB)');
  return spec;
}

export class FactoryDb {
  private constructor(
    private readonly driver: Driver,
    private readonly claimLeaseS: number,
  ) {}

  get backend(): Backend {
    return this.driver.dialect.backend;
  }

  /** The file, or the PostgreSQL URL without its password. */
  get location(): string {
    return this.driver.location;
  }

  /**
   * Opens the database named by `spec` — a file path (SQLite) or a postgres:// URL — and brings its schema to
   * the current version (only when allowed to create: a report never turns a database into a factory one).
   */
  static async open(spec: string, opts: OpenOptions = {}): Promise<FactoryDb> {
    const driver: Driver = isPostgresUrl(spec)
      ? new PostgresDriver(spec, { retryMs: opts.retryMs, onRetry: opts.onRetry })
      : SqliteDriver.open(spec, {
          mustExist: Boolean(opts.mustExist),
          busyTimeoutMs: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        });
    try {
      const { version, foreign } = await driver.schemaState();
      const where = driver.dialect.backend === 'sqlite' ? 'the file is a SQLite database' : 'the database holds tables';
      if (foreign) throw new EdgelockError('E_FACTORY_DB', `${where} of something else`, { file: driver.location });
      if (version > SCHEMA_VERSION)
        throw new EdgelockError(
          'E_FACTORY_DB_VERSION',
          `schema version ${version}; this edgelock knows up to ${SCHEMA_VERSION}`,
          { file: driver.location },
        );
      if (version === 0 && opts.mustExist)
        throw new EdgelockError('E_FACTORY_DB', 'the database holds no factory events (an empty database)', {
          file: driver.location,
        });
      if (version < SCHEMA_VERSION) {
        await driver.migrate(SCHEMA_VERSION, (from) => MIGRATIONS.slice(from).flatMap((m) => m(driver.dialect)));
      }
      return new FactoryDb(driver, opts.claimLeaseS ?? DEFAULT_CLAIM_LEASE_S);
    } catch (e) {
      await driver.close();
      throw e;
    }
  }

  /** SQLite only: the journal mode (always WAL). */
  get journalMode(): string {
    return this.driver instanceof SqliteDriver ? this.driver.journalMode : 'postgres';
  }

  async schemaVersion(): Promise<number> {
    return (await this.driver.schemaState()).version;
  }

  /**
   * Appends one event and returns it as stored. Idempotent: the id is made here (or given), and recording the
   * same id again — a retry after a lost answer — stores nothing new and returns the stored row.
   */
  async record(e: FactoryEventInput): Promise<FactoryEvent> {
    if (!OUTCOMES.includes(e.outcome)) throw new EdgelockError('E_INTERNAL', `unknown factory outcome '${e.outcome}'`);
    const id = e.id ?? randomUUID();
    const doing = `recording a ${e.command} event`;
    await this.driver.run(
      `INSERT INTO events (id, run_id, time, station, operator, command, port, board, uid, key_id, master_key_id,
                           firmware_version, outcome, error_code, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [
        id,
        e.runId,
        new Date().toISOString(),
        e.station,
        e.operator,
        e.command,
        e.port,
        e.board ?? null,
        e.uid ?? null,
        e.keyId ?? null,
        e.masterKeyId ?? null,
        e.firmwareVersion ?? null,
        e.outcome,
        e.errorCode ?? null,
        e.message ?? null,
      ],
      doing,
    );
    const rows = await this.driver.all<Row>('SELECT * FROM events WHERE id = ?', [id], doing);
    if (rows.length !== 1)
      throw new EdgelockError('E_FACTORY_DB', `${doing}: the row was not stored`, { file: this.location });
    return fromRow(rows[0]);
  }

  /** Events in the order they were recorded, optionally filtered. */
  async events(filter: { uid?: string; runId?: string; station?: string } = {}): Promise<FactoryEvent[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.uid) {
      where.push('uid = ?');
      args.push(filter.uid.toLowerCase());
    }
    if (filter.runId) {
      where.push('run_id = ?');
      args.push(filter.runId);
    }
    if (filter.station) {
      where.push('station = ?');
      args.push(filter.station);
    }
    const rows = await this.driver.all<Row>(
      `SELECT * FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`,
      args,
    );
    return rows.map(fromRow);
  }

  /**
   * Claims (master key id, uid) for this run before a key is written. Succeeds when nobody holds it, when the
   * holder released it, when the same station holds it (it stopped mid-write and provisions again), or when an
   * unfinished claim's lease ran out. Refused (returns the holder) while another station's claim is active, and
   * always once a claim is done or a `written` event exists for the pair (a station that lost the database after
   * recording it): a uid is provisioned at most once per master key id. Idempotent for the same run.
   */
  async claim(c: {
    masterKeyId: string;
    uid: string;
    runId: string;
    station: string;
    operator: string;
    port: string;
  }): Promise<{ ok: true } | { ok: false; holder: Claim }> {
    const d = this.driver.dialect;
    const doing = `claiming uid ${c.uid}`;
    const n = await this.driver.run(
      `INSERT INTO claims (master_key_id, uid, state, run_id, station, operator, port, expires_at)
       SELECT ?, ?, 'active', ?, ?, ?, ?, ${d.nowIso(this.claimLeaseS)}
       WHERE NOT EXISTS (SELECT 1 FROM events WHERE outcome = 'written' AND master_key_id = ? AND uid = ?)
       ON CONFLICT (master_key_id, uid) DO UPDATE SET state = 'active', run_id = excluded.run_id, station = excluded.station,
         operator = excluded.operator, port = excluded.port, claimed_at = ${d.nowIso()}, expires_at = excluded.expires_at
       WHERE (claims.state = 'released'
          OR (claims.state = 'active' AND (claims.run_id = excluded.run_id OR claims.station = excluded.station OR claims.expires_at < ${d.nowIso()})))
         AND NOT EXISTS (SELECT 1 FROM events WHERE outcome = 'written' AND master_key_id = excluded.master_key_id AND uid = excluded.uid)`,
      [c.masterKeyId, c.uid, c.runId, c.station, c.operator, c.port, c.masterKeyId, c.uid],
      doing,
    );
    const holder = await this.claimOf(c.masterKeyId, c.uid);
    if (n === 1 && holder && holder.runId === c.runId && holder.state === 'active') return { ok: true };
    if (holder) return { ok: false, holder };
    // no claim row but a written event (recorded by a station that lost the database before finishing its claim)
    const w = (
      await this.driver.all<Row>(
        `SELECT * FROM events WHERE outcome = 'written' AND master_key_id = ? AND uid = ? ORDER BY seq`,
        [c.masterKeyId, c.uid],
        doing,
      )
    )[0];
    if (!w) throw new EdgelockError('E_FACTORY_DB', `${doing}: no claim row afterwards`, { file: this.location });
    return {
      ok: false,
      holder: {
        masterKeyId: c.masterKeyId,
        uid: c.uid,
        state: 'done',
        runId: w.run_id,
        station: w.station,
        operator: w.operator,
        port: w.port,
        claimedAt: w.time,
        expiresAt: w.time,
      },
    };
  }

  /** Ends this run's claim: `done` once the key is written and recorded (final), `released` when nothing was written. */
  async finishClaim(masterKeyId: string, uid: string, runId: string, state: 'done' | 'released'): Promise<void> {
    await this.driver.run(
      `UPDATE claims SET state = ? WHERE master_key_id = ? AND uid = ? AND run_id = ? AND state = 'active'`,
      [state, masterKeyId, uid, runId],
      `finishing the claim on uid ${uid}`,
    );
  }

  async claimOf(masterKeyId: string, uid: string): Promise<Claim | undefined> {
    const rows = await this.driver.all<Record<string, string>>(
      'SELECT * FROM claims WHERE master_key_id = ? AND uid = ?',
      [masterKeyId, uid],
    );
    const r = rows[0];
    return (
      r && {
        masterKeyId: r.master_key_id,
        uid: r.uid,
        state: r.state as Claim['state'],
        runId: r.run_id,
        station: r.station,
        operator: r.operator,
        port: r.port,
        claimedAt: r.claimed_at,
        expiresAt: r.expires_at,
      }
    );
  }

  /**
   * Sets a product line's security counter (creating the line). The database refuses a lower value than the
   * stored one (E_FACTORY_COUNTER_DOWN); the same value again is a no-op.
   */
  async setSecurityCounter(
    line: string,
    counter: number,
    who: { station: string; operator: string },
  ): Promise<ProductLine> {
    if (!Number.isSafeInteger(counter) || counter < 0)
      throw new EdgelockError('E_USAGE', `a security counter is a non-negative integer, not ${counter}`);
    const d = this.driver.dialect;
    await this.driver.run(
      `INSERT INTO product_lines (name, security_counter, station, operator) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET security_counter = excluded.security_counter, station = excluded.station,
                                        operator = excluded.operator, updated_at = ${d.nowIso()}`,
      [line, counter, who.station, who.operator],
      `setting the security counter of product line '${line}'`,
    );
    return (await this.productLines()).find((p) => p.name === line)!;
  }

  async productLines(): Promise<ProductLine[]> {
    const rows = await this.driver.all<Record<string, string>>('SELECT * FROM product_lines ORDER BY name');
    return rows.map((r) => ({
      name: r.name,
      securityCounter: Number(r.security_counter),
      station: r.station,
      operator: r.operator,
      updatedAt: r.updated_at,
    }));
  }

  /** Records which trace code a package carries (ids only); the same package again is a no-op. */
  async recordTraceCode(t: Omit<TraceCodeRecord, 'recordedAt'>): Promise<void> {
    await this.driver.run(
      `INSERT INTO trace_codes (master_key_id, uid, code_id, params, carriers, units, package_sha256, station, operator)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (master_key_id, uid, package_sha256) DO NOTHING`,
      [
        t.masterKeyId,
        t.uid.toLowerCase(),
        t.codeId,
        t.params,
        t.carriers,
        t.units,
        t.packageSha256,
        t.station,
        t.operator,
      ],
      `recording the trace code of device ${t.uid}`,
    );
  }

  /** The trace code records, optionally of one master key id, in the order they were recorded. */
  async traceCodes(masterKeyId?: string): Promise<TraceCodeRecord[]> {
    const rows = await this.driver.all<Record<string, string>>(
      `SELECT * FROM trace_codes${masterKeyId ? ' WHERE master_key_id = ?' : ''} ORDER BY seq`,
      masterKeyId ? [masterKeyId] : [],
    );
    return rows.map((r) => ({
      masterKeyId: r.master_key_id,
      uid: r.uid,
      codeId: r.code_id,
      params: r.params,
      carriers: Number(r.carriers),
      units: Number(r.units),
      packageSha256: r.package_sha256,
      station: r.station,
      operator: r.operator,
      recordedAt: r.recorded_at,
    }));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

/** One fingerprinted package in the factory log (ids only, see schemas 3 and 4). */
export interface TraceCodeRecord {
  masterKeyId: string;
  uid: string;
  codeId: string;
  /** the trace parameters as JSON (src/trace/params.ts) */
  params: string;
  carriers: number;
  /** trigger units the package's model carries the board's classes in (0: none) */
  units: number;
  packageSha256: string;
  station: string;
  operator: string;
  recordedAt: string;
}
