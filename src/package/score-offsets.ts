/**
 * The score offsets a package carries (record type 11, docs/package.md, "Score offsets"; docs/watermark.md, "Score
 * offsets"): every answer's scores get a small keyed function of the input (src/score-offsets/, firmware
 * score_offsets.c), which a copy trained on the answers' scores learns with the rest. Inside the authenticated part of
 * the package, so removing the offsets or changing them breaks the tag. No key is in the record: the board derives the
 * sign key from its device key. The mean and whitening are statistics of the owner's data, the same for every board.
 *
 *   0  u8   scheme       1
 *   1  u8   degrees      K, 2..4: the features are the K × K moments of degree < K in each axis (m = K² features)
 *   2  u8   grid         G, 1..16: the input's rows and columns are pooled into G × G cells (G <= height, width)
 *   3  u8   reserved     0
 *   4  u16  height       H: the int8 input is H × W × C values, channels last
 *   6  u16  width        W
 *   8  u16  channels     C (H·W·C <= 2^20)
 *  10  u16  reserved     0
 *  12  f32  delta        the offsets' size, in the output's units (int8 steps for an int8 output); 0 < delta ≤ 2^20
 *  16  f32  clip         each whitened feature is clamped to ±clip; 0 < clip ≤ 64
 *  20  f32  mean[m]      the moments' mean on the owner's data; finite
 *  20+4m  f32 whiten[m][m]  row j: feature j's weights on the m centred moments; finite
 */
import { EdgelockError } from '../errors';

export const SCORE_OFFSETS_SCHEME = 1;
export const MIN_DEGREES = 2;
export const MAX_DEGREES = 4;
export const MAX_GRID = 16;
export const MAX_INPUT_VALUES = 1 << 20;
/** the most scores a board adds offsets to (el_score_offsets.h EL_OFFSETS_MAX_CLASSES) */
export const MAX_CLASSES = 256;
/** the largest delta and clip a record may carry (EL_OFFSETS_MAX_DELTA, EL_OFFSETS_MAX_CLIP): every sum stays finite */
export const MAX_DELTA = 2 ** 20;
export const MAX_CLIP = 64;
const HEADER = 20;

export interface ScoreOffsetsParams {
  degrees: number;
  grid: number;
  height: number;
  width: number;
  channels: number;
  /** output units (float32) */
  delta: number;
  clip: number;
  /** m = degrees² float32 values */
  mean: Float32Array;
  /** m × m float32 values, row-major */
  whiten: Float32Array;
}

export function scoreOffsetsSize(degrees: number): number {
  const m = degrees * degrees;
  return HEADER + 4 * m + 4 * m * m;
}

export const SCORE_OFFSETS_MIN_SIZE = scoreOffsetsSize(MIN_DEGREES);
export const SCORE_OFFSETS_MAX_SIZE = scoreOffsetsSize(MAX_DEGREES);

const isF32 = (v: number) => Number.isFinite(v) && Math.fround(v) === v;

export function scoreOffsetsProblem(p: ScoreOffsetsParams): string | null {
  const { degrees: K, grid: G } = p;
  if (!Number.isInteger(K) || K < MIN_DEGREES || K > MAX_DEGREES)
    return `degrees must be ${MIN_DEGREES}..${MAX_DEGREES}, got ${K}`;
  if (!Number.isInteger(G) || G < 1 || G > MAX_GRID) return `the grid must be 1..${MAX_GRID}, got ${G}`;
  for (const [name, v] of [
    ['height', p.height],
    ['width', p.width],
    ['channels', p.channels],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) return `${name} must be 1..65535, got ${v}`;
  if (p.height < G || p.width < G)
    return `a ${G} × ${G} grid needs an input of at least ${G} × ${G}, got ${p.height} × ${p.width}`;
  if (p.height * p.width * p.channels > MAX_INPUT_VALUES)
    return `the input has ${p.height * p.width * p.channels} values, at most ${MAX_INPUT_VALUES}`;
  if (!(isF32(p.delta) && p.delta > 0 && p.delta <= MAX_DELTA))
    return `delta must be a float32 in (0, ${MAX_DELTA}], got ${p.delta}`;
  if (!(isF32(p.clip) && p.clip > 0 && p.clip <= MAX_CLIP))
    return `clip must be a float32 in (0, ${MAX_CLIP}], got ${p.clip}`;
  const m = K * K;
  if (p.mean.length !== m || p.whiten.length !== m * m)
    return `${m} means and ${m * m} whitening weights expected, got ${p.mean.length} and ${p.whiten.length}`;
  if (!p.mean.every(Number.isFinite) || !p.whiten.every(Number.isFinite)) return 'a mean or weight is not finite';
  return null;
}

export function encodeScoreOffsets(p: ScoreOffsetsParams): Buffer {
  const problem = scoreOffsetsProblem(p);
  if (problem) throw new EdgelockError('E_USAGE', `score offsets: ${problem}`);
  const m = p.degrees * p.degrees;
  const b = Buffer.alloc(scoreOffsetsSize(p.degrees));
  b[0] = SCORE_OFFSETS_SCHEME;
  b[1] = p.degrees;
  b[2] = p.grid;
  b.writeUInt16LE(p.height, 4);
  b.writeUInt16LE(p.width, 6);
  b.writeUInt16LE(p.channels, 8);
  b.writeFloatLE(p.delta, 12);
  b.writeFloatLE(p.clip, 16);
  p.mean.forEach((v, i) => b.writeFloatLE(v, HEADER + 4 * i));
  p.whiten.forEach((v, i) => b.writeFloatLE(v, HEADER + 4 * m + 4 * i));
  return b;
}

/** The parameters of a record value, or why it is invalid (the firmware's checks, parse_offsets in package.c). */
export function decodeScoreOffsets(b: Uint8Array): ScoreOffsetsParams | string {
  if (b.length < HEADER) return `${b.length} bytes, at least ${SCORE_OFFSETS_MIN_SIZE} expected`;
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v[0] !== SCORE_OFFSETS_SCHEME) return `scheme ${v[0]}, this edgelock knows ${SCORE_OFFSETS_SCHEME}`;
  const K = v[1];
  if (K < MIN_DEGREES || K > MAX_DEGREES) return `degrees must be ${MIN_DEGREES}..${MAX_DEGREES}, got ${K}`;
  if (b.length !== scoreOffsetsSize(K)) return `${b.length} bytes, expected ${scoreOffsetsSize(K)} for ${K} degrees`;
  if (v[3] !== 0 || v.readUInt16LE(10) !== 0) return 'reserved bytes are not zero';
  const m = K * K;
  const floats = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => v.readFloatLE(from + 4 * i));
  const p: ScoreOffsetsParams = {
    degrees: K,
    grid: v[2],
    height: v.readUInt16LE(4),
    width: v.readUInt16LE(6),
    channels: v.readUInt16LE(8),
    delta: v.readFloatLE(12),
    clip: v.readFloatLE(16),
    mean: floats(HEADER, m),
    whiten: floats(HEADER + 4 * m, m * m),
  };
  return scoreOffsetsProblem(p) ?? p;
}

/** A record as reports show it: its shape and sizes, without the calibration's mean and whitening. */
export type OffsetsShape = Omit<ScoreOffsetsParams, 'mean' | 'whiten'>;

export function offsetsShape({ mean: _mean, whiten: _whiten, ...shape }: ScoreOffsetsParams): OffsetsShape {
  return shape;
}

/** "on, δ 5.5 output units, 16 features (4 × 4 moments on a 7 × 7 grid of a 28 × 28 × 1 input)": never a key. */
export function describeScoreOffsets(p: OffsetsShape): string {
  return (
    `on, δ ${Number(p.delta.toPrecision(3))} output units, ${p.degrees * p.degrees} features (${p.degrees} × ${p.degrees} moments on a ` +
    `${p.grid} × ${p.grid} grid of a ${p.height} × ${p.width} × ${p.channels} input, clipped at ±${p.clip})`
  );
}
