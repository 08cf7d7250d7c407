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
  const quiet = p.quiet ? `, quiet carriers x${p.quiet.amplitude} (${p.quiet.samples} samples of ${p.quiet.data})` : '';
  return `density ${p.density}, tensors >= ${p.minTensorElements} weights${quiet}`;
}

/** How many samples of the owner's data find the quiet carriers, and their amplitude (docs/security.md, "Measured"). */
export const QUIET_DEFAULTS = { samples: 2000, amplitude: 8 };

/** The default parameters with quiet carriers found on `data`. */
export function quietTraceParams(data: string): TraceParams {
  return { ...DEFAULT_TRACE_PARAMS, quiet: { data, ...QUIET_DEFAULTS } };
}
