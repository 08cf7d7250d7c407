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
