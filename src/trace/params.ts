import { EdgelockError } from '../errors';

/**
 * The public parameters of a trace code (docs/security.md, "Tracing a leaked model to its board"). Changing one
 * changes every device's code, so they are recorded with each fingerprinted package in the factory log.
 */
/** Quiet carriers (src/trace/quiet.ts): found on the first `samples` samples of the named data set `data`. */
export interface QuietParams {
  data: string;
  samples: number;
  /** the code's amplitude on quiet carriers, in quantisation steps */
  amplitude: number;
  /**
   * Which quiet carriers get the amplitude: 1, every carrier no natural gradient reaches (absent: packages recorded
   * before 2026-12-07 05:45 UTC); 2, the same without a pixel path's rows, which stay at one step (units/path-rows.ts).
   * A package is traced under the rule it was marked with.
   */
  rule?: number;
}

export interface TraceParams {
  /** fraction of the eligible int8 weights that carry the code (the same positions for every device) */
  density: number;
  /** weight tensors with fewer elements carry nothing (small layers are the sensitive ones) */
  minTensorElements: number;
  /** carriers that get no gradient on the owner's data carry the code at a larger amplitude (absent: none) */
  quiet?: QuietParams;
}

/**
 * Every eligible weight carries the code (density 1): a ±1-step code on all of them cost no measurable accuracy on
 * the zoo LeNet and MLP (docs/security.md, "Measured"), and the more carriers, the more the outputs move, which is
 * what black-box tracing reads. Packages recorded with other parameters (0.1 before) trace with their own.
 */
export const DEFAULT_TRACE_PARAMS: TraceParams = { density: 1, minTensorElements: 1024 };

/**
 * How a leak is read when not told otherwise (`edgelock trace`'s flags, the demo's trace step): natural probes for a
 * black-box trace, boundary probes for an arg-max-only one — more, since each answer is one decision between two
 * classes, not a vector of scores — and the family level a board is named at.
 */
export const TRACE_READ_DEFAULTS = { queries: 300, hardLabelQueries: 1000, alpha: 1e-6 };

/** What the factory log holds for one fingerprinted package: a derivation id, never the code or a key. */
export function describeParams(p: TraceParams): string {
  const quiet = p.quiet
    ? `, quiet carriers x${p.quiet.amplitude} (${p.quiet.samples} samples of ${p.quiet.data}, rule ${p.quiet.rule ?? 1})`
    : '';
  return `density ${p.density}, tensors >= ${p.minTensorElements} weights${quiet}`;
}

/** The quiet-carrier rule new packages are marked with (QuietParams.rule). */
export const QUIET_RULE = 2;

/** How many samples of the owner's data find the quiet carriers, and their amplitude (docs/security.md, "Measured"). */
export const QUIET_DEFAULTS = { samples: 2000, amplitude: 8, rule: QUIET_RULE };

/** The default parameters with quiet carriers found on `data`. */
export function quietTraceParams(data: string): TraceParams {
  return { ...DEFAULT_TRACE_PARAMS, quiet: { data, ...QUIET_DEFAULTS } };
}

/**
 * Trace parameters as the factory log recorded them (JSON), checked field by field: a row another tool or a damaged
 * file wrote must not steer the tracer (a density outside (0, 1], a sample count that loads a data set without end, an
 * amplitude past the int8 range, a rule this version does not know). E_FACTORY_DB names the field.
 */
export function traceParamsFromLog(json: string): TraceParams {
  const bad = (field: string): never => {
    throw new EdgelockError('E_FACTORY_DB', `a trace_codes row has malformed trace parameters: ${field}`);
  };
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return bad('not JSON');
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const int = (x: unknown, lo: number, hi: number) => Number.isInteger(x) && (x as number) >= lo && (x as number) <= hi;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('not an object');
  if (typeof o.density !== 'number' || !(o.density > 0 && o.density <= 1)) bad('density');
  if (!int(o.minTensorElements, 1, 2 ** 31)) bad('minTensorElements');
  const p: TraceParams = { density: o.density as number, minTensorElements: o.minTensorElements as number };
  if (o.quiet !== undefined) {
    const q = (o.quiet ?? {}) as Record<string, unknown>;
    if (typeof o.quiet !== 'object' || o.quiet === null) bad('quiet');
    if (typeof q.data !== 'string' || q.data.length === 0) bad('quiet.data');
    if (!int(q.samples, 1, 1_000_000)) bad('quiet.samples');
    if (!int(q.amplitude, 1, 127)) bad('quiet.amplitude');
    if (q.rule !== undefined && !int(q.rule, 1, QUIET_RULE)) bad(`quiet.rule (this version knows 1 to ${QUIET_RULE})`);
    p.quiet = { data: q.data as string, samples: q.samples as number, amplitude: q.amplitude as number };
    if (q.rule !== undefined) p.quiet.rule = q.rule as number;
  }
  return p;
}
