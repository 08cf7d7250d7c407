/**
 * The response mark a package carries (record type 10, docs/package.md, "Response mark"; docs/watermark.md,
 * "Response mark"): the fraction of queries the board answers with a keyed wrong class, and how it coarsens an input
 * before the keyed decision (firmware response_mark.c; src/response-mark/decision.ts). Inside the authenticated part
 * of the package, so turning the mark off or changing its rate breaks the tag. No key is in the record: the board
 * derives the mark key from its device key.
 *
 *   0  u32  rate         marked queries per million (of the gated ones in scheme 2), 1..1000000
 *   4  u16  groups       the int8 input is cut into this many runs, 1..1024 (at most one value each)
 *   6  u8   levels       each run's mean is quantised to this many levels, 2..16
 *   7  u8   scheme       1, or 2: the keyed class is never the runner-up, and a gate
 *   8  f32  gate         scheme 2: only answers whose top-two margin (output units) is below it are marked; finite,
 *                        >= 0 (0: no gate). Scheme 1: 0
 *  12  4    reserved     0
 */
import { EdgelockError } from '../errors';

export const RESPONSE_MARK_SIZE = 16;
export const RATE_ONE = 1_000_000;
export const MAX_GROUPS = 1024;
export const MAX_LEVELS = 16;
/** The schemes this edgelock writes and reads (scheme 2 for new packages; 1 for those packaged before it). */
export const SCHEMES = [1, 2] as const;

export interface ResponseMarkParams {
  /** marked queries per million (of the gated queries, when there is a gate) */
  ratePpm: number;
  groups: number;
  levels: number;
  /** scheme 2: the keyed class is never the base model's runner-up (decision.ts, keyedChoices) */
  skipRunnerUp?: boolean;
  /**
   * scheme 2: only answers whose top-two margin (in the output's units, float32) is below this are marked; 0 or
   * absent: every answer may be
   */
  gate?: number;
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
  if (p.gate !== undefined && !(Number.isFinite(p.gate) && p.gate >= 0 && Math.fround(p.gate) === p.gate))
    return `the gate must be a finite float32 >= 0, got ${p.gate}`;
  if (p.gate && !p.skipRunnerUp) return 'a gate needs scheme 2 (skipRunnerUp)';
  return null;
}

/** The record's scheme for these parameters. */
export function markScheme(p: ResponseMarkParams): 1 | 2 {
  return p.skipRunnerUp ? 2 : 1;
}

export function encodeResponseMark(p: ResponseMarkParams): Buffer {
  const problem = responseMarkProblem(p);
  if (problem) throw new EdgelockError('E_USAGE', `response mark: ${problem}`);
  const b = Buffer.alloc(RESPONSE_MARK_SIZE);
  b.writeUInt32LE(p.ratePpm, 0);
  b.writeUInt16LE(p.groups, 4);
  b[6] = p.levels;
  b[7] = markScheme(p);
  if (b[7] === 2) b.writeFloatLE(p.gate ?? 0, 8);
  return b;
}

/** The parameters of a record value, or why it is invalid (the firmware's checks, el_mark_parse). */
export function decodeResponseMark(b: Uint8Array): ResponseMarkParams | string {
  if (b.length !== RESPONSE_MARK_SIZE) return `${b.length} bytes, expected ${RESPONSE_MARK_SIZE}`;
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const scheme = v[7];
  if (scheme !== 1 && scheme !== 2) return `scheme ${scheme}, this edgelock knows ${SCHEMES.join(' and ')}`;
  if (!v.subarray(scheme === 2 ? 12 : 8).every((x) => x === 0)) return 'reserved bytes are not zero';
  const p: ResponseMarkParams = { ratePpm: v.readUInt32LE(0), groups: v.readUInt16LE(4), levels: v[6] };
  if (scheme === 2) {
    // the firmware's check on the bits: no sign bit (so no -0), not inf or NaN
    if (v[11] & 0x80 || (v.readUInt32LE(8) & 0x7f800000) === 0x7f800000)
      return `the gate must be a finite float32 >= 0, got ${v.readFloatLE(8)}`;
    p.skipRunnerUp = true;
    const gate = v.readFloatLE(8);
    if (gate) p.gate = gate;
  }
  return responseMarkProblem(p) ?? p;
}

/** "on, rate 0.5% (groups 196, levels 2)" — never a key (the record holds none). */
export function describeResponseMark(p: ResponseMarkParams): string {
  const scheme =
    markScheme(p) === 2 ? `, scheme 2: never the runner-up${p.gate ? `, margin below ${p.gate}` : ''}` : '';
  return (
    `on, rate ${(p.ratePpm / 10_000).toString()}%${p.gate ? ' of the gated answers' : ''} ` +
    `(input coarsened to ${p.groups} runs × ${p.levels} levels${scheme})`
  );
}
