/**
 * Query limits a package carries (record type 9, docs/package.md, "Query limits"): how many inferences the board
 * answers with the package's model, enforced by the firmware (firmware query_limit.c; the secure image on a
 * TrustZone board). Inside the authenticated part of the package, so changing a limit breaks the tag.
 *
 *   0  u32  lifetime     inferences over the board's life under this security counter (0: no lifetime limit);
 *                        counted in flash before each answer, so a reset or power cut does not give them back
 *   4  u32  per boot     inferences between two resets (0: none)
 *   8  u32  rate count   inferences per rate window (0: no rate limit)
 *  12  u32  window ms    the rate window in milliseconds of board time, 1..86400000 (0 exactly when rate count is 0)
 *
 * The board refuses (ERR_PKG_INVALID) a record whose limits are all 0 or whose rate count and window disagree,
 * exactly as decodeQueryLimits does.
 */
import { EdgelockError } from '../errors';

export const QUERY_LIMITS_SIZE = 16;
export const MAX_WINDOW_MS = 86_400_000;

export interface QueryLimits {
  /** inferences over the board's life under this security counter; 0: unlimited */
  lifetime: number;
  /** inferences between two resets; 0: unlimited */
  perBoot: number;
  /** inferences per window; 0: no rate limit */
  rateCount: number;
  /** the window in ms of board time; 0 exactly when rateCount is 0 */
  rateWindowMs: number;
}

const U32_MAX = 0xffffffff;

/** Why a limits value is not one a board accepts, or null when it is. */
export function queryLimitsProblem(l: QueryLimits): string | null {
  for (const [k, v] of Object.entries(l))
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) return `${k} must be an integer 0..${U32_MAX}, got ${v}`;
  if (l.lifetime === 0 && l.perBoot === 0 && l.rateCount === 0)
    return 'every limit is 0 (no limit): leave the record out';
  if ((l.rateCount === 0) !== (l.rateWindowMs === 0))
    return 'the rate count and the rate window must both be set or both 0';
  if (l.rateWindowMs > MAX_WINDOW_MS)
    return `the rate window is ${l.rateWindowMs} ms, more than ${MAX_WINDOW_MS} (a day)`;
  return null;
}

export function encodeQueryLimits(l: QueryLimits): Buffer {
  const problem = queryLimitsProblem(l);
  if (problem) throw new EdgelockError('E_USAGE', `query limits: ${problem}`);
  const b = Buffer.alloc(QUERY_LIMITS_SIZE);
  b.writeUInt32LE(l.lifetime, 0);
  b.writeUInt32LE(l.perBoot, 4);
  b.writeUInt32LE(l.rateCount, 8);
  b.writeUInt32LE(l.rateWindowMs, 12);
  return b;
}

/** The limits of a record value, or the reason it is invalid (the firmware's checks). */
export function decodeQueryLimits(b: Uint8Array): QueryLimits | string {
  if (b.length !== QUERY_LIMITS_SIZE) return `${b.length} bytes, expected ${QUERY_LIMITS_SIZE}`;
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const l = {
    lifetime: v.readUInt32LE(0),
    perBoot: v.readUInt32LE(4),
    rateCount: v.readUInt32LE(8),
    rateWindowMs: v.readUInt32LE(12),
  };
  return queryLimitsProblem(l) ?? l;
}

export interface QueryLimitFlags {
  maxQueries?: string;
  maxQueriesPerBoot?: string;
  queryRate?: string;
}

function parseCount(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > U32_MAX)
    throw new EdgelockError(
      'E_USAGE',
      `${flag} must be an integer 1..${U32_MAX}, got '${v}' (leave the flag out for no limit; 0 would answer nothing)`,
    );
  return Number(v);
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `<n>/<duration>`: e.g. 10/1s, 100/500ms, 3600/1h (duration units ms, s, m, h; a bare unit means 1 of it). */
export function parseQueryRate(v: string): { rateCount: number; rateWindowMs: number } {
  const m = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(v);
  const usage = `--query-rate must be <n>/<duration> (e.g. 10/1s, 100/500ms, 3600/1h) with n ≥ 1 and a duration of 1 ms to 24 h, got '${v}'`;
  if (!m) throw new EdgelockError('E_USAGE', usage);
  const count = Number(m[1]);
  const window = (m[2] === '' ? 1 : Number(m[2])) * UNIT_MS[m[3]];
  if (count < 1 || count > U32_MAX || window < 1 || window > MAX_WINDOW_MS) throw new EdgelockError('E_USAGE', usage);
  return { rateCount: count, rateWindowMs: window };
}

/** The limits the `package` flags ask for, or undefined when none is given. */
export function parseQueryLimitFlags(f: QueryLimitFlags): QueryLimits | undefined {
  if (f.maxQueries === undefined && f.maxQueriesPerBoot === undefined && f.queryRate === undefined) return undefined;
  const rate = f.queryRate === undefined ? { rateCount: 0, rateWindowMs: 0 } : parseQueryRate(f.queryRate);
  return {
    lifetime: f.maxQueries === undefined ? 0 : parseCount(f.maxQueries, '--max-queries'),
    perBoot: f.maxQueriesPerBoot === undefined ? 0 : parseCount(f.maxQueriesPerBoot, '--max-queries-per-boot'),
    ...rate,
  };
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** One line: "1000 per security counter, 100 per boot, 10 per 1 s". */
export function describeQueryLimits(l: QueryLimits): string {
  const parts: string[] = [];
  if (l.lifetime) parts.push(`${l.lifetime} over the board's life (per security counter)`);
  if (l.perBoot) parts.push(`${l.perBoot} per boot`);
  if (l.rateCount) parts.push(`${l.rateCount} per ${duration(l.rateWindowMs)}`);
  return parts.join(', ');
}
