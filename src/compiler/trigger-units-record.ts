/**
 * The trigger-unit record an owner model carries (ONNX `metadata_props` and, through compile, the .tflite metadata,
 * under "edgelock.trace-units"): the public parameters, and which ONNX values are the penultimate dense layer's output,
 * whose int8 range compile widens by `widen` so that a firing unit is clipped less. No key or class is in it; a
 * pixel path's record (edgelock-tu2) gives where its stamps go and which keyed draw its pattern is, as its weights
 * show them to anyone holding the file, but not the pattern.
 */
import { EdgelockError } from '../errors';
import { Range } from './quantize/params';

export const TRIGGER_UNITS_METADATA_KEY = 'edgelock.trace-units';
/** bounds on what a record may ask a trace to query (a hostile file must not make it ask millions of probes) */
const MAX_UNITS = 1024;
const MAX_VOTES = 64;
/** a pixel path's stamp levels are input values: bounded so a hostile record cannot ask for absurd ones */
const MAX_LEVEL = 1e6;

/** The record's units must be units of the model's layer, and its stamps must fit one input. */
export function checkRecordFits(record: TriggerUnitsRecord, hidden: number, inputSize: number): void {
  if (record.units.some((u) => u >= hidden)) bad(`a unit index is beyond the layer's ${hidden} units`);
  if (record.pixels > inputSize) bad(`a stamp of ${record.pixels} values does not fit an input of ${inputSize}`);
}

/**
 * The public parameters of trigger units: which hidden units carry a board's classes, how many input values a stamp
 * sets, how many stamped probes vote for each unit's class. The stamps' positions and each board's classes are keyed
 * draws and are not recorded.
 */
interface CommonParams {
  /** the units of the penultimate dense layer set aside, in stamp order (unit k answers stamp k) */
  units: number[];
  /** input values a stamp writes, per channel */
  pixels: number;
  /** stamped probes per unit, on different natural images */
  votes: number;
}

/** keyed positions set to 1 (src/trace/units/stamps.ts) */
export interface KeyedStampParams extends CommonParams {
  scheme: 'edgelock-tu1';
}

/** a pixel path (src/trace/units/pixel-path.ts): the keyed pattern written at an origin per unit */
export interface PixelPathParams extends CommonParams {
  scheme: 'edgelock-tu2';
  /** the pattern's rows and columns (pixels = their product) */
  patch: [number, number];
  /** which keyed draw the pattern is (src/trace/units/pattern.ts) */
  draw: number;
  /** where unit k's stamp writes the pattern: its top-left pixels, y · W + x in the input plane (one, or two when
   * there are more units than cells and each unit reads two) */
  origins: number[][];
  /** the values a stamp writes on the pattern's zeros and ones: the owner data's smallest and largest input value
   * (absent in records made before 2026-12-07: 0 and 1) */
  levels?: [number, number];
}

export type TriggerUnitsParams = KeyedStampParams | PixelPathParams;

export type TriggerUnitsRecord = TriggerUnitsParams & {
  widen: number;
  /** the ONNX values whose calibrated range is widened (the layer's output, before and after its ReLU) */
  values: string[];
};

function bad(why: string): never {
  throw new EdgelockError('E_TRACE_MODEL', `the model's ${TRIGGER_UNITS_METADATA_KEY} record is malformed: ${why}`);
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 1 << 20;

/** The record in a model's metadata, or null when it has none; a record that is not well formed is an error. */
export function readTriggerUnitsRecord(text: string | undefined): TriggerUnitsRecord | null {
  if (text === undefined) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    bad('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('not an object');
  const r = v as Record<string, unknown>;
  if (r.scheme !== 'edgelock-tu1' && r.scheme !== 'edgelock-tu2') bad(`unknown scheme ${JSON.stringify(r.scheme)}`);
  if (!Array.isArray(r.units) || r.units.length === 0 || !r.units.every((u) => Number.isInteger(u) && u >= 0))
    bad('units must be unit indices');
  if (new Set(r.units).size !== r.units.length) bad('units repeat');
  if (!count(r.pixels) || !count(r.votes) || r.votes > MAX_VOTES)
    bad(`pixels and votes (at most ${MAX_VOTES}) must be positive integers`);
  if (r.units.length > MAX_UNITS) bad(`at most ${MAX_UNITS} units`);
  if (typeof r.widen !== 'number' || !(r.widen >= 1 && r.widen <= 16)) bad('widen must be in [1, 16]');
  if (!Array.isArray(r.values) || !r.values.every((s) => typeof s === 'string')) bad('values must be value names');
  const common = {
    units: r.units as number[],
    pixels: r.pixels,
    votes: r.votes,
    widen: r.widen,
    values: r.values as string[],
  };
  if (r.scheme === 'edgelock-tu1') return { scheme: 'edgelock-tu1', ...common };
  const p = r.patch;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => count(d) && d <= 64) || p[0] * p[1] !== r.pixels)
    bad('patch must be the pattern rows and columns (at most 64 each), their product the pixels');
  if (!Number.isInteger(r.draw) || (r.draw as number) < 0 || (r.draw as number) > 1 << 16)
    bad('draw must be a draw number');
  const o = r.origins;
  const pixel = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1 << 24;
  if (
    !Array.isArray(o) ||
    o.length !== r.units.length ||
    !o.every((at) => Array.isArray(at) && at.length >= 1 && at.length <= 2 && at.every(pixel))
  )
    bad('origins must be one or two pixel indices per unit');
  const l = r.levels;
  const level = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_LEVEL;
  if (l !== undefined && (!Array.isArray(l) || l.length !== 2 || !l.every(level) || !(l[0] < l[1])))
    bad(`levels must be two finite values (at most ${MAX_LEVEL} in size), the first below the second`);
  return {
    scheme: 'edgelock-tu2',
    ...common,
    patch: [p[0], p[1]] as [number, number],
    draw: r.draw as number,
    origins: o as number[][],
    ...(l === undefined ? {} : { levels: [l[0], l[1]] as [number, number] }),
  };
}

/** Widens the recorded values' calibrated ranges in place (their maximum times `widen`). */
export function widenRecordedRanges(record: TriggerUnitsRecord, ranges: Map<string, Range>): void {
  for (const name of record.values) {
    const r = ranges.get(name);
    if (r) ranges.set(name, { ...r, max: r.max * record.widen });
  }
}
