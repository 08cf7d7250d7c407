/**
 * The response mark a package carries (record type 10, docs/package.md, "Response mark"; docs/watermark.md,
 * "Response mark"): the fraction of queries the board answers with a keyed wrong class, and how it coarsens an input
 * before the keyed decision (firmware response_mark.c; src/response-mark/decision.ts). Inside the authenticated part
 * of the package, so turning the mark off or changing its rate breaks the tag. No key is in the record: the board
 * derives the mark key from its device key.
 *
 *   0  u32  rate         marked queries per million, 1..1000000
 *   4  u16  groups       the int8 input is cut into this many runs, 1..1024 (at most one value each)
 *   6  u8   levels       each run's mean is quantised to this many levels, 2..16
 *   7  u8   scheme       1
 *   8  8    reserved     0
 */
import { EdgelockError } from '../errors';

export const RESPONSE_MARK_SIZE = 16;
export const RATE_ONE = 1_000_000;
export const MAX_GROUPS = 1024;
export const MAX_LEVELS = 16;
export const SCHEME = 1;

export interface ResponseMarkParams {
  /** marked queries per million */
  ratePpm: number;
  groups: number;
  levels: number;
}

/** Defaults of the coarsening (docs/watermark.md, "Response mark": chosen on MNIST for few shared codes). */
export const RESPONSE_MARK_DEFAULTS = { groups: 196, levels: 2 } as const;

export function responseMarkProblem(p: ResponseMarkParams): string | null {
  if (!Number.isInteger(p.ratePpm) || p.ratePpm < 1 || p.ratePpm > RATE_ONE)
    return `the rate must be 1..${RATE_ONE} per million, got ${p.ratePpm}`;
  if (!Number.isInteger(p.groups) || p.groups < 1 || p.groups > MAX_GROUPS)
    return `groups must be 1..${MAX_GROUPS}, got ${p.groups}`;
  if (!Number.isInteger(p.levels) || p.levels < 2 || p.levels > MAX_LEVELS)
    return `levels must be 2..${MAX_LEVELS}, got ${p.levels}`;
  return null;
}

export function encodeResponseMark(p: ResponseMarkParams): Buffer {
  const problem = responseMarkProblem(p);
  if (problem) throw new EdgelockError('E_USAGE', `response mark: ${problem}`);
  const b = Buffer.alloc(RESPONSE_MARK_SIZE);
  b.writeUInt32LE(p.ratePpm, 0);
  b.writeUInt16LE(p.groups, 4);
  b[6] = p.levels;
  b[7] = SCHEME;
  return b;
}

/** The parameters of a record value, or why it is invalid (the firmware's checks, el_mark_parse). */
export function decodeResponseMark(b: Uint8Array): ResponseMarkParams | string {
  if (b.length !== RESPONSE_MARK_SIZE) return `${b.length} bytes, expected ${RESPONSE_MARK_SIZE}`;
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v[7] !== SCHEME) return `scheme ${v[7]}, this edgelock knows ${SCHEME}`;
  if (!v.subarray(8).every((x) => x === 0)) return 'reserved bytes are not zero';
  const p = { ratePpm: v.readUInt32LE(0), groups: v.readUInt16LE(4), levels: v[6] };
  return responseMarkProblem(p) ?? p;
}

/** "on, rate 0.5% (groups 196, levels 2)" — never a key (the record holds none). */
export function describeResponseMark(p: ResponseMarkParams): string {
  return `on, rate ${(p.ratePpm / 10_000).toString()}% (input coarsened to ${p.groups} runs × ${p.levels} levels)`;
}
