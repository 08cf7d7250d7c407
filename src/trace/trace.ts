/**
 * `edgelock trace`: which board a leaked model came from. The owner's base model (the compile the packages were
 * built from; unsealed with the master key when sealed), the candidates (device uids), and either the leaked file
 * (white-box) or a way to query it (black-box: a file run as a black box, or a board).
 */
import { EdgelockError } from '../errors';
import { deriveTraceKey } from '../keys/derive';
import { lockKeyFor } from '../lock/key-material';
import { readTfliteDescriptor, unsealTfliteWithRootKey } from '../lock/tflite-lock';
import { blackBoxEvidence } from './blackbox';
import { carriersOf } from './carriers';
import { floatNetFromTflite } from './float-net';
import { TraceParams } from './params';
import { scoreCandidates, TraceVerdict, verdictOf } from './score';
import { fileVictim, ScoreQuery, withHardLabels } from './victims';
import { whiteBoxEvidence } from './whitebox';

/** A sealed model with a per-model (product-line) key, unsealed in memory; a device-bound one cannot be. */
export function plainModel(bytes: Uint8Array, master: Uint8Array, what: string): Uint8Array {
  const d = readTfliteDescriptor(bytes);
  if (!d) return bytes;
  if (d.binding !== 'model')
    throw new EdgelockError(
      'E_TRACE_LOCKED',
      `${what} is sealed to one device; trace with the plain model (unseal it with \`edgelock compile --key … --device-uid …\`)`,
    );
  const root = lockKeyFor({ master }, 'model', Buffer.from(d.lockId, 'hex'));
  try {
    return unsealTfliteWithRootKey(bytes, root);
  } finally {
    root.fill(0);
  }
}

/**
 * The leaked model's readings: as it is, and unsealed when it carries a descriptor the master key opens. A copy made
 * from unsealed weights keeps the descriptor (and, unchanged, even its key id: the binding hash ignores the sealed
 * bytes), so the seal cannot be told from the bytes; the reading whose weights sit closer to the base is the plain one.
 */
function leakedReadings(bytes: Uint8Array, master: Uint8Array): Uint8Array[] {
  const d = readTfliteDescriptor(bytes);
  if (!d) return [bytes];
  try {
    return [bytes, plainModel(bytes, master, 'the leaked model')];
  } catch {
    return [bytes];
  }
}

const meanAbs = (e: Float64Array) => e.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, e.length);

export interface BlackBoxSource {
  /** probes in the model's input layout (NHWC floats) */
  probes: Float32Array;
  count: number;
  victim: ScoreQuery;
  /** the victim shows only its decision */
  hardLabels: boolean;
}

export interface TraceRequest {
  base: Uint8Array;
  master: Uint8Array;
  uids: readonly string[];
  params: TraceParams;
  alpha: number;
  leaked?: Uint8Array;
  blackBox?: BlackBoxSource;
}

export interface TraceResult extends TraceVerdict {
  mode: 'white-box' | 'black-box';
  queries?: number;
  hardLabels?: boolean;
}

export async function traceLeak(r: TraceRequest): Promise<TraceResult> {
  if (r.uids.length === 0) throw new EdgelockError('E_TRACE_CANDIDATES', 'no candidate boards');
  const base = plainModel(r.base, r.master, 'the base model');
  const traceKey = deriveTraceKey(r.master);
  try {
    const set = carriersOf(base, traceKey, r.params);
    if (r.leaked) {
      const e = leakedReadings(r.leaked, r.master)
        .map((m) => whiteBoxEvidence(m, base, set))
        .reduce((a, b) => (meanAbs(b) < meanAbs(a) ? b : a));
      return { mode: 'white-box', ...verdictOf(scoreCandidates(e, traceKey, r.uids), e, r.alpha) };
    }
    if (!r.blackBox) throw new EdgelockError('E_USAGE', 'nothing to trace: give a leaked model or a board');
    const bb = r.blackBox;
    const own = await fileVictim(base);
    let baseQuery = own.query;
    let victim = bb.victim;
    const classes = (await own.query(bb.probes.subarray(0, bb.probes.length / bb.count), 1)).length;
    if (bb.hardLabels) {
      baseQuery = withHardLabels(baseQuery, classes);
      victim = withHardLabels(victim, classes);
    }
    let baseScores: Float32Array;
    try {
      baseScores = await baseQuery(bb.probes, bb.count);
    } finally {
      own.dispose();
    }
    const ev = await blackBoxEvidence(set, {
      base: floatNetFromTflite(base),
      baseScores,
      probes: bb.probes,
      count: bb.count,
      victim,
    });
    return {
      mode: 'black-box',
      queries: ev.queries,
      hardLabels: bb.hardLabels,
      ...verdictOf(scoreCandidates(ev.evidence, traceKey, r.uids), ev.evidence, r.alpha),
    };
  } finally {
    traceKey.fill(0);
  }
}
