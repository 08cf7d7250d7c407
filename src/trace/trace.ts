/**
 * `edgelock trace`: which board a leaked model came from. The owner's base model (the compile the packages were
 * built from; unsealed with the master key when sealed), the candidates (device uids), and either the leaked file
 * (white-box) or a way to query it (black-box: a file run as a black box, or a board).
 */
import { EdgelockError } from '../errors';
import { deriveTraceKey } from '../keys/derive';
import { lockKeyFor } from '../lock/key-material';
import { readTfliteDescriptor, unsealTfliteWithRootKey } from '../lock/tflite-lock';
import { PruneRule } from './prune';
import { TraceReference } from './reference';
import { TuneData } from './tuned-reference';
import { readLeak } from './leak-reading';
import { CandidateGroup } from './candidates';
import { carriersOf } from './carriers';
import { floatNetFromTflite } from './float-net';
import { TraceParams } from './params';
import { combinedVerdict, scoreCandidates, TraceVerdict } from './score';
import { fileVictim, FiniteRows, finiteRows, modelScores, ScoreQuery, withHardLabels } from './victims';
import { meanAbs, whiteBoxReading } from './whitebox';
import { unitsRecordOfTflite } from './units/board';
import { TriggerUnitsRecord, checkRecordFits } from '../compiler/trigger-units-record';
import { unitsLayout } from './units/layout';
import { unitVotes } from './units/read';
import { modelStamps, triggerProbes } from './units/stamps';
import { UnitsVerdict, unitVotesOfWeights, unitsVerdict } from './units/verdict';

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

/**
 * A leaked file to query as a black box, in the reading that runs as the owner's model does: as stored, or unsealed
 * with the master key when it carries a descriptor. A dump of unsealed weights keeps its descriptor, and unsealing
 * it again would query noise, so the reading whose answers on the first probes sit closer to the base's is used.
 */
export async function leakedFileVictim(
  bytes: Uint8Array,
  master: Uint8Array,
  base: Uint8Array,
  probes: Float32Array,
  count: number,
): Promise<{ query: ScoreQuery; dispose: () => void }> {
  const readings = leakedReadings(bytes, master);
  const first = readings.length > 1 ? await fileVictim(readings[0]) : null;
  if (!first) return fileVictim(readings[0]);
  const n = Math.min(count, 32);
  const sample = probes.subarray(0, (probes.length / count) * n);
  const ref = await modelScores(plainModel(base, master, 'the base model'), sample, n);
  // over the scores both readings give finite values for (a hostile model may answer NaN; no such score: the first)
  const distance = (a: Float32Array, b: Float32Array) =>
    a.reduce((t, v, i) => (Number.isFinite(v) && Number.isFinite(b[i]) ? t + Math.abs(v - ref[i]) : t), 0);
  let second: { query: ScoreQuery; dispose: () => void } | undefined;
  try {
    second = await fileVictim(readings[1]);
    const [a, b] = [await first.query(sample, n), await second.query(sample, n)];
    const keepFirst = distance(a, b) <= distance(b, a);
    (keepFirst ? second : first).dispose();
    return keepFirst ? first : second;
  } catch (e) {
    first.dispose();
    second?.dispose();
    throw e;
  }
}

/** Probes in the model's input layout (NHWC floats). */
export interface ProbeSet {
  probes: Float32Array;
  count: number;
  /**
   * boundary probes: the same number on another model's decision boundaries, for a second round when the leak is
   * read against a pruned reference (leak-reading.ts)
   */
  reprobe?: (reference: Uint8Array, count: number) => Promise<Float32Array>;
}

export interface BlackBoxSource extends ProbeSet {
  /** natural inputs (model layout) that carry the stamps when the base model has trigger units (units/) */
  unitImages?: Float32Array;
  /** stamped probes per trigger unit (default: the record's votes) */
  stampVotes?: number;
  /** the probes for one trace parameter set, when they differ by set (default: the source's own) */
  probesFor?: (params: TraceParams) => ProbeSet;
  victim: ScoreQuery;
  /** the victim shows only its decision */
  hardLabels: boolean;
  /** the owner's inputs to fine-tune the base model on, for a leak the thief fine-tuned (tuned-reference.ts) */
  tune?: TuneData;
}

export interface TraceRequest {
  base: Uint8Array;
  master: Uint8Array;
  /** the candidates, by trace parameter set (a factory log may mix sets; each board is scored under its own) */
  candidates: readonly CandidateGroup[];
  alpha: number;
  leaked?: Uint8Array;
  blackBox?: BlackBoxSource;
}

export interface TraceResult extends TraceVerdict {
  mode: 'white-box' | 'black-box';
  /** white-box: the copy's hidden units had been re-ordered or re-scaled and were put back before decoding */
  unitsRealigned?: boolean;
  /** white-box: layers added to the copy (Net2Net deepening) were looked through */
  layersAdded?: number;
  queries?: number;
  hardLabels?: boolean;
  /** black-box: the leak's answers were closest to the base model pruned at this fraction, which was the reference */
  prunedReference?: number;
  /** black-box: the leak was read against the base model fine-tuned on the owner's inputs (tuned-reference.ts) */
  tunedReference?: { lr: number; runs: number };
  /** black-box: the rule the reference was pruned by (prune.ts) */
  pruneRule?: PruneRule;
  /** black-box: probes left out because the leak's answers to them held NaN or an infinity */
  ignoredProbes?: number;
  /** the base model has trigger units: their verdict, beside the code's (units/verdict.ts) */
  units?: UnitsVerdict;
}

/** Every board the result names, by the trace code or by the trigger units, each once. */
export function namedBoards(r: TraceResult): string[] {
  const units = r.units?.named ? [r.units.uid, ...r.units.others.map((o) => o.uid)] : [];
  return [...new Set([...r.named.map((n) => n.uid), ...units])];
}

/**
 * Each test's level: with trigger units two tests can name a board (the code's and the units'), so each runs at
 * alpha / 2 and a board is named falsely with probability at most alpha (Bonferroni).
 */
function testAlpha(alpha: number, record: TriggerUnitsRecord | null): number {
  return record ? alpha / 2 : alpha;
}

/** The boards whose packages carry trigger units, over all parameter sets (every board where the log does not say). */
function unitBoards(groups: readonly CandidateGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.unitBoards ?? g.uids))];
}

/** The base model's trigger units record, when it has one and some candidate board carries the units. */
function unitsRecordFor(base: Uint8Array, groups: readonly CandidateGroup[]): TriggerUnitsRecord | null {
  return unitBoards(groups).length > 0 ? unitsRecordOfTflite(base) : null;
}

/** The number of output classes of a compiled classifier. */
function classesOf(model: Uint8Array): number {
  return floatNetFromTflite(model).net.outputSize;
}

/**
 * White-box trigger units: each reading of the leak (as stored, unsealed) read from its columns (unitVotesOfWeights);
 * the reading with the smallest p-value counts, every p-value times the number of readings. A copy whose layers no
 * longer line up with the base (units added) gives no unit verdict.
 */
function whiteBoxUnits(
  readings: readonly Uint8Array[],
  record: TriggerUnitsRecord,
  classes: number,
  traceKey: Uint8Array,
  uids: readonly string[],
  alpha: number,
): UnitsVerdict | undefined {
  let best: UnitsVerdict | undefined;
  for (const m of readings) {
    let tally: number[][];
    try {
      tally = unitVotesOfWeights(m, record);
    } catch {
      continue;
    }
    const v = unitsVerdict(tally, classes, traceKey, uids, alpha, readings.length);
    if (!best || v.log10P < best.log10P) best = v;
  }
  return best;
}

/** A query function that asks the victim each distinct probe set once (a board's answers are not free). */
function askedOnce(victim: ScoreQuery): ScoreQuery {
  const answers = new Map<Float32Array, Promise<Float32Array>>();
  return (probes, count) => {
    let a = answers.get(probes);
    if (!a) answers.set(probes, (a = victim(probes, count)));
    return a;
  };
}

export async function traceLeak(r: TraceRequest): Promise<TraceResult> {
  if (r.candidates.every((g) => g.uids.length === 0))
    throw new EdgelockError('E_TRACE_CANDIDATES', 'no candidate boards');
  const groups = r.candidates.filter((g) => g.uids.length > 0);
  const base = plainModel(r.base, r.master, 'the base model');
  const traceKey = deriveTraceKey(r.master);
  try {
    if (r.leaked) {
      const readings = leakedReadings(r.leaked, r.master);
      let unitsRealigned = false;
      let layersAdded = 0;
      const scored = groups.map((g) => {
        const set = carriersOf(base, traceKey, g.params);
        const reading = readings
          .map((m) => whiteBoxReading(m, base, set))
          .reduce((a, b) => (meanAbs(b.evidence) < meanAbs(a.evidence) ? b : a));
        unitsRealigned ||= reading.aligned;
        layersAdded = Math.max(layersAdded, reading.layersAdded ?? 0);
        return { scores: scoreCandidates(reading.evidence, traceKey, g.uids), evidence: reading.evidence };
      });
      const record = unitsRecordFor(base, groups);
      const alpha = testAlpha(r.alpha, record);
      const units = record
        ? whiteBoxUnits(readings, record, classesOf(base), traceKey, unitBoards(groups), alpha)
        : undefined;
      return {
        mode: 'white-box',
        unitsRealigned,
        ...(layersAdded > 0 ? { layersAdded } : {}),
        ...combinedVerdict(scored, alpha),
        ...(units ? { units } : {}),
      };
    }
    if (!r.blackBox) throw new EdgelockError('E_USAGE', 'nothing to trace: give a leaked model or a board');
    const bb = r.blackBox;
    const own = await fileVictim(base);
    const baseQuery = askedOnce(own.query);
    let victim = askedOnce(bb.victim);
    const classes = (await own.query(bb.probes.subarray(0, bb.probes.length / bb.count), 1)).length;
    if (bb.hardLabels) victim = withHardLabels(victim, classes);
    // each distinct probe set's finite answers (a probe set shared by several parameter sets is asked once)
    const answered = new Map<Float32Array, FiniteRows>();
    const scored = [];
    // second rounds of probes on pruned references' boundaries (leak-reading.ts)
    const asked: { count: number; ignored: number }[] = [];
    let pruned = 0;
    let pruneRule: PruneRule | undefined;
    let tuned: TraceReference['tuned'];
    let units: UnitsVerdict | undefined;
    const record = unitsRecordFor(base, groups);
    try {
      const net = floatNetFromTflite(base);
      if (net.softmax && !bb.hardLabels)
        throw new EdgelockError(
          'E_USAGE',
          'the model answers probabilities (it ends in a softmax), which int8 rounds to exactly 0 for almost ' +
            'every class but the top one, so the code cannot be read from them: trace it by its decisions ' +
            '(--hard-labels)',
        );
      for (const g of groups) {
        const asks = bb.probesFor?.(g.params) ?? bb;
        if (!answered.has(asks.probes)) {
          // answers holding NaN or an infinity say nothing; the other probes are read
          const kept = finiteRows(asks.probes, asks.count, await victim(asks.probes, asks.count));
          if (kept.count === 0)
            throw new EdgelockError(
              'E_TRACE_ANSWERS',
              `the queried model answered none of the ${asks.count} probes with finite scores`,
            );
          answered.set(asks.probes, kept);
        }
        const { probes, count, answers } = answered.get(asks.probes)!;
        const set = carriersOf(base, traceKey, g.params);
        const again = asks.reprobe && { reprobe: asks.reprobe, ask: victim };
        const {
          evidence,
          reference: ref,
          secondRound,
        } = await readLeak({
          base,
          net,
          set,
          probes,
          count,
          answers,
          baseScores: await baseQuery(probes, count),
          hardLabels: bb.hardLabels,
          again,
          tune: bb.tune,
        });
        if (secondRound) asked.push(secondRound);
        if (ref.tuned) tuned = ref.tuned;
        if (ref.rule && ref.pruned > pruned) [pruned, pruneRule] = [ref.pruned, ref.rule];
        scored.push({ scores: scoreCandidates(evidence, traceKey, g.uids), evidence });
      }
      // the trigger units, when the base model has them: their stamped probes
      if (record && bb.unitImages) {
        const size = bb.probes.length / bb.count;
        checkRecordFits(record, unitsLayout(net.net).hidden, size);
        const k = record.units.length;
        const votes = bb.stampVotes ?? record.votes;
        const stamps = modelStamps(traceKey, record, base);
        if (bb.unitImages.length < k * votes * size)
          throw new EdgelockError('E_USAGE', `trigger units need ${k * votes} natural inputs to stamp`);
        const probes = triggerProbes(stamps, votes, bb.unitImages, size);
        const answers = await victim(probes, k * votes);
        asked.push({ count: k * votes, ignored: 0 });
        units = unitsVerdict(
          unitVotes(answers, k, votes, classes),
          classes,
          traceKey,
          unitBoards(groups),
          testAlpha(r.alpha, record),
        );
      }
    } finally {
      own.dispose();
    }
    const rounds = [...answered.values(), ...asked];
    const ignored = rounds.reduce((a, k) => a + k.ignored, 0);
    return {
      mode: 'black-box',
      queries: rounds.reduce((a, k) => a + k.count + k.ignored, 0),
      hardLabels: bb.hardLabels,
      ...(pruned ? { prunedReference: pruned, pruneRule } : {}),
      ...(tuned ? { tunedReference: tuned } : {}),
      ...(ignored ? { ignoredProbes: ignored } : {}),
      ...combinedVerdict(scored, testAlpha(r.alpha, units ? record : null)),
      ...(units ? { units } : {}),
    };
  } finally {
    traceKey.fill(0);
  }
}
