/**
 * `edgelock response-mark verify (--model <file> | --port <p> [--slot n]) --key <master>
 *     (--package <board.elp> | --base <model.tflite> --rate <r> [--mark-scheme 1|2] [--mark-runs n] [--mark-levels n])
 *     [--uid <uid>]... [--db <factory db>]
 *     [--devices <file>] [--mark-reference <data,...> [--mark-gate <fraction>]] [--pool mnist-train,mnist-test]
 *     [--pool-limit n] [--decoys n] [--alpha a] [--statistic arg-max|scores [--score-threshold p]] [--json]`
 * Does a suspect model answer a marking board's keyed wrong classes? Names the board a distilled copy came from
 * (src/response-mark/, docs/watermark.md "Response mark").
 */
import { Command, Option } from 'commander';
import { runOnSuspect } from '../suspect';
import { parseBoardUid } from '../../device/board-uid';
import { EdgelockError } from '../../errors';
import { FactoryDb, dbSpec } from '../../factory/db';
import { provisionedUids } from '../../factory/provisioned';
import { readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { decodePackage } from '../../package/decode';
import {
  MAX_GROUPS,
  MAX_LEVELS,
  RESPONSE_MARK_DEFAULTS,
  ResponseMarkParams,
  describeResponseMark,
} from '../../package/response-mark';
import { responseMarkKey } from '../../response-mark/decision';
import { MarkPool, loadMarkPool } from '../../response-mark/pool';
import { calibrateBoard, loadMarkReference } from '../../response-mark/reference';
import {
  MarkCandidate,
  MarkStatistic,
  MarkVerdict,
  VERIFY_DEFAULTS,
  PARTS,
  verifyResponseMark,
} from '../../response-mark/verify';
import { LatticeSum, RatioPart } from '../../response-mark/log-ratio';
import { formatTable } from '../../text/table';
import { parseCandidates } from '../../trace/candidates';
import { ClassifierRunner } from '../../watermark/runners';
import {
  collect,
  commaList,
  intRange,
  nonNegativeInt,
  nonNegativeNumber,
  openUnit,
  positiveInt,
  ratePpm,
} from '../option-parsers';
import { printJson } from '../output';

interface VerifyFlags {
  model?: string;
  port?: string;
  slot?: number;
  key: string;
  package?: string;
  base?: string;
  /** marked queries per million (parsed by ratePpm) */
  rate?: number;
  markReference?: string[];
  markScheme?: string;
  /** parsed by ratePpm: the gate's fraction of the reference, per million */
  markGate?: number;
  markRuns?: number;
  markLevels?: number;
  uid: string[];
  db?: string;
  devices?: string;
  pool: string;
  poolLimit?: number;
  decoys?: number;
  alpha?: number;
  dropLeastConfident?: number;
  statistic?: MarkStatistic;
  scoreThreshold?: number;
  json?: boolean;
}

/** The base model, the mark parameters and the uid a package names, or those of --base/--rate. */
function baseOf(f: Pick<VerifyFlags, 'package' | 'base' | 'rate' | 'markScheme' | 'markRuns' | 'markLevels'>): {
  base: Uint8Array;
  params: ResponseMarkParams;
  uid?: string;
} {
  if (!f.package === !f.base)
    throw new EdgelockError('E_USAGE', 'give one of --package <board.elp> or --base <model.tflite>');
  if (f.package) {
    const p = decodePackage(readFileBytes(f.package), f.package);
    if (!p.responseMark)
      throw new EdgelockError('E_USAGE', `'${f.package}' carries no response mark (packaged without --response-mark)`);
    return { base: p.model, params: p.responseMark, uid: p.deviceUid };
  }
  if (f.rate === undefined)
    throw new EdgelockError('E_USAGE', '--base needs --rate <the rate the boards were packaged with>');
  return {
    base: readFileBytes(f.base!),
    params: {
      ratePpm: f.rate,
      ...coarseningOf(f),
      ...((f.markScheme ?? '2') === '2' ? { skipRunnerUp: true } : {}),
    },
  };
}

export async function candidateUids(
  f: Pick<VerifyFlags, 'uid' | 'devices' | 'db'>,
  master: Uint8Array,
  packageUid?: string,
): Promise<string[]> {
  const uids = f.uid.map((u) => parseBoardUid(u).toString('hex'));
  if (f.devices)
    uids.push(...parseCandidates(Buffer.from(readFileBytes(f.devices)).toString('utf8'), `'${f.devices}'`));
  if (f.db) {
    const db = await FactoryDb.open(dbSpec(f.db), { mustExist: true });
    try {
      uids.push(...(await provisionedUids(db, master)));
    } finally {
      await db.close();
    }
  }
  if (uids.length === 0 && packageUid) uids.push(packageUid);
  if (uids.length === 0)
    throw new EdgelockError(
      'E_USAGE',
      'no candidate board: give --uid <uid>, --db <factory db>, --devices <file> or --package',
    );
  return [...new Set(uids)];
}

/** The parts of the scores statistic in words: the weighted lead and the keyed classes' summed log-ratio. */
function partsText(wl: LatticeSum, parts: readonly RatioPart[]): string {
  return (
    `weighted lead ${wl.sum.toFixed(1)} nats (${wl.expected.toFixed(1)} ± ${wl.sd.toFixed(1)} without the key, ` +
    `p ${wl.p.toExponential(1)}); keyed classes raised over the base model by ` +
    parts
      .map(
        (x) =>
          `${x.sum.toFixed(1)} nats (floor e^-${x.floor}; ${x.expected.toFixed(1)} ± ${x.sd.toFixed(1)} without the key, p ${x.p.toExponential(1)})`,
      )
      .join(', ') +
    ` over ${parts[0].codes} marked codes`
  );
}

export function markRows(r: MarkVerdict): string[][] {
  const best = [...r.candidates].sort((a, b) => a.familyP - b.familyP);
  const rows = [
    ['mark', describeResponseMark(r.params)],
    [
      'pool',
      `${r.pool.names.join(', ')}: ${r.pool.count} inputs, ${r.queries} queried` +
        (r.screened ? ' (all the confident ones; boards decided only where the suspect leaves the base answer)' : ''),
    ],
    [
      'null',
      (r.statistic === 'scores'
        ? `exact, on the suspect's scores (an eligible class at ≥ ${r.scoreThreshold}): a keyless model's most ` +
          `probable eligible class is the keyed one with probability 1/${Math.round(1 / r.null.uniform)}; `
        : `exact: a keyless model's wrong answer on a marked code is the keyed class with probability 1/${Math.round(1 / r.null.uniform)}; `) +
        `on ${r.null.decoys} decoy keys the suspect shows ${r.null.matches} of ${r.null.trials} (${r.null.expected.toFixed(1)} expected)` +
        (r.null.logRatio ? `; ${partsText(r.null.weightedLead!, r.null.logRatio)}; ` : ', ') +
        `p = ${r.null.p.toExponential(1)}: ${r.null.holds ? 'holds' : 'does NOT hold'}`,
    ],
  ];
  for (const c of best.slice(0, 3))
    rows.push([
      `board ${c.uid}`,
      (r.statistic === 'scores'
        ? `${c.matches} of ${c.trials} codes with the keyed class the most probable eligible one ` +
          `(${c.expected.toFixed(1)} expected without the key; ${c.disagreements} inputs with an eligible class at ` +
          `≥ ${r.scoreThreshold}`
        : `${c.matches} of ${c.trials} codes answered with the keyed class ` +
          `(${c.expected.toFixed(1)} expected without the key; ${c.disagreements} disagreements`) +
        (c.marked === undefined
          ? ' on its marked inputs)'
          : ` on the ${c.counted} most confident of ${c.marked} marked inputs)`) +
        (c.logRatio
          ? ` (this count alone: p ${c.leadP!.toExponential(1)}); ${partsText(c.weightedLead!, c.logRatio)}; ` +
            `p = ${c.familyP.toExponential(1)} (the smallest of its ${PARTS} parts, weighted lead and log-ratios, ` +
            `× ${PARTS}, × ${r.candidates.length} candidates)`
          : `, p = ${c.familyP.toExponential(1)}`),
    ]);
  if (r.together && r.named.length === 0)
    rows.push([
      `boards ${r.together.uids.join(' + ')}`,
      `together: ${r.together.matches} of ${r.together.trials} codes ` +
        (r.statistic === 'scores'
          ? 'with a keyed class the most probable eligible one '
          : 'answered with a keyed class ') +
        `(${r.together.expected.toFixed(1)} expected), p = ${r.together.familyP.toExponential(1)} (over every pair)`,
    ]);
  rows.push([
    'verdict',
    r.named.length
      ? `distilled from (or is) the model of board ${r.named.join(', ')} (alpha ${r.alpha})`
      : r.namedTogether.length
        ? `distilled from the answers of at least one of boards ${r.namedTogether.join(', ')} (together; neither ` +
          `alone reaches alpha ${r.alpha})`
        : r.null.holds
          ? `no board's mark found among ${r.candidates.length} (alpha ${r.alpha})`
          : `inconclusive: the suspect matches decoy keys too (no board named)`,
  ]);
  return rows;
}

/**
 * On a terminal, with many candidate boards: one updating stderr line while their marks are decided (about a quarter
 * of a second per board on a 70,000-input pool). Nothing otherwise, so piped and --json output stay as they are.
 */
function decidedProgress(boards: number): { onDecided: (done: number, total: number) => void } | undefined {
  if (!process.stderr.isTTY || boards < 20) return undefined;
  return {
    onDecided: (done, total) => {
      if (done % 10 !== 0 && done !== total) return;
      process.stderr.write(`\rdeciding each board's marks on the pool: ${done}/${total}`);
      if (done === total) process.stderr.write('\n');
    },
  };
}

/** What a response-mark check needs, prepared once from the flags: the pool, the parameters, the candidate boards. */
export interface PreparedMarkCheck {
  pool: MarkPool;
  params: ResponseMarkParams;
  candidates: MarkCandidate[];
  run(suspect: ClassifierRunner): Promise<MarkVerdict>;
  dispose(): void;
}

export type MarkCheckFlags = Omit<VerifyFlags, 'json' | 'model' | 'port' | 'slot'>;

export async function prepareMarkCheck(f: MarkCheckFlags): Promise<PreparedMarkCheck> {
  const { base, params: given, uid } = baseOf(f);
  let params = given;
  const recordOptions = [f.markReference, f.markGate, f.markScheme, f.markRuns, f.markLevels];
  if (recordOptions.some((v) => v !== undefined) && f.package)
    throw new EdgelockError(
      'E_USAGE',
      '--mark-reference, --mark-gate, --mark-scheme, --mark-runs and --mark-levels go with --base/--rate ' +
        '(a package holds its parameters)',
    );
  if (f.markGate !== undefined && (f.markReference === undefined || !params.skipRunnerUp))
    throw new EdgelockError('E_USAGE', '--mark-gate needs --mark-reference and --mark-scheme 2');
  const reference = f.markReference
    ? await loadMarkReference(base, f.markReference, params, f.markGate === undefined ? undefined : f.markGate / 1e6)
    : undefined;
  if (reference?.gate !== undefined) params = { ...params, gate: reference.gate };
  const master = readKeyFile(f.key);
  let candidates: MarkCandidate[];
  try {
    const uids = await candidateUids(f, master, uid);
    candidates = uids.map((u) => {
      const key = responseMarkKey(master, Buffer.from(u, 'hex'));
      // the package's own board: the rate in its record; others with --mark-reference: as `package` calibrated them
      const ratePpm =
        u === uid ? params.ratePpm : reference ? calibrateBoard(key, params.ratePpm, reference).ratePpm : undefined;
      return { uid: u, key, ...(ratePpm !== undefined ? { ratePpm } : {}) };
    });
  } finally {
    master.fill(0);
  }
  const pool = await loadMarkPool(
    base,
    f.pool.split(',').map((s) => s.trim()),
    params,
    f.poolLimit,
  );
  return {
    pool,
    params,
    candidates,
    run: (suspect) =>
      verifyResponseMark({
        pool,
        params,
        candidates,
        suspect,
        decoys: f.decoys,
        alpha: f.alpha,
        dropLeastConfident: f.dropLeastConfident,
        statistic: f.statistic,
        scoreThreshold: f.scoreThreshold,
        ...(decidedProgress(candidates.length) ?? {}),
      }),
    dispose() {
      pool.dispose();
      candidates.forEach((c) => c.key.fill(0));
    },
  };
}

/** The check on a suspect file or board (also used by `watermark verify --response-mark`). */
export async function checkResponseMark(f: Omit<VerifyFlags, 'json'>): Promise<MarkVerdict> {
  return runOnSuspect(f, () => prepareMarkCheck(f));
}

async function verifyAction(f: VerifyFlags): Promise<void> {
  const r = await checkResponseMark(f);
  const where = f.port ? `board on ${f.port}` : f.model!;
  if (f.json) printJson({ suspect: where, ...r });
  else process.stdout.write(formatTable(['check', 'result'], [['suspect', where], ...markRows(r)]) + '\n');
}

/**
 * The statistic option (`response-mark verify --statistic`; `--mark-statistic` where the mark is one check of several).
 * No default here: `attack` refuses distill flags that are set for other attacks; verifyResponseMark defaults it.
 */
export function statisticOption(flags: string, prefix: string): Option {
  return new Option(
    flags,
    `${prefix}read the suspect’s arg-max, or its scores (a file or a board: also counts a keyed class the copy raised ` +
      `without answering it; docs/watermark.md "Scheme 2"; default ${VERIFY_DEFAULTS.statistic})`,
  ).choices(['arg-max', 'scores']);
}

export function scoreThresholdOption(flags: string, prefix: string): Option {
  return new Option(
    flags,
    `${prefix}: the probability a candidate keyed class needs for a marked input to count (default ${VERIFY_DEFAULTS.scoreThreshold})`,
  ).argParser(openUnit);
}

/** The coarsening the boards' decisions hash (package --response-mark's record): runs of the int8 input. */
export function markRunsOption(prefix: string): Option {
  return new Option(
    '--mark-runs <n>',
    `${prefix}: the int8 input is cut into this many runs for the mark decision (default ${RESPONSE_MARK_DEFAULTS.groups}; ` +
      "fewer, longer runs keep a noisy query on its clean input's decision, docs/watermark.md)",
  ).argParser(intRange(1, MAX_GROUPS));
}

/** Each run's mean quantised to this many levels (package --response-mark's record). */
export function markLevelsOption(prefix: string): Option {
  return new Option(
    '--mark-levels <n>',
    `${prefix}: each run's mean is quantised to this many levels (default ${RESPONSE_MARK_DEFAULTS.levels})`,
  ).argParser(intRange(2, MAX_LEVELS));
}

/** The record's coarsening from --mark-runs / --mark-levels, the defaults where left out. */
export function coarseningOf(f: {
  markRuns?: number;
  markLevels?: number;
}): Pick<ResponseMarkParams, 'groups' | 'levels'> {
  return { groups: f.markRuns ?? RESPONSE_MARK_DEFAULTS.groups, levels: f.markLevels ?? RESPONSE_MARK_DEFAULTS.levels };
}

export function register(program: Command): Command {
  const rm = program
    .command('response-mark')
    .description(
      'ownership evidence from a board that marks a keyed fraction of its answers (package --response-mark)',
    );
  rm.command('verify')
    .description('does a suspect model (file or board) repeat a marking board’s keyed answers? names the board')
    .option('--model <file>', 'the suspect: an ONNX or .tflite model')
    .option('--port <p>', 'the suspect: a board on this serial port (RUN)')
    .option('--slot <n>', 'with --port: the slot to query (default: the active one)', nonNegativeInt)
    .requiredOption('--key <keyfile>', 'the vendor master key (each board’s mark key derives from it and the uid)')
    .option('--package <board.elp>', 'a package with the mark: its model, mark parameters and board')
    .option('--base <model.tflite>', 'the model the marking boards run (with --rate)')
    .option('--rate <r>', 'with --base: the rate the boards were packaged with (e.g. 0.5%)', ratePpm)
    .option(
      '--mark-reference <data,...>',
      'with --base/--rate: the boards were packaged with --mark-reference on these inputs ' +
        '(each board’s calibrated rate is recomputed)',
      commaList((v) => v),
    )
    .addOption(
      new Option(
        '--mark-scheme <n>',
        'with --base/--rate: the scheme the boards were packaged with (default 2)',
      ).choices(['1', '2']),
    )
    .option(
      '--mark-gate <fraction>',
      'with --base/--rate and --mark-reference: the boards were packaged with this --mark-gate',
      ratePpm,
    )
    .addOption(markRunsOption('with --base/--rate: the boards were packaged with this --mark-runs'))
    .addOption(markLevelsOption('with --base/--rate: the boards were packaged with this --mark-levels'))
    .option('--uid <uid>', 'a candidate board (repeatable)', collect, [] as string[])
    .option('--db <factory db>', 'candidates: every board the master key provisioned (factory database)')
    .option('--devices <file>', 'candidates: device uids, one per line')
    .option(
      '--pool <data,...>',
      'the owner’s natural inputs (must hold what the attacker queried)',
      'mnist-train,mnist-test',
    )
    .option('--pool-limit <n>', 'use the first n pool inputs', positiveInt)
    .option(
      '--decoys <n>',
      `decoy keys that measure the suspect’s null (default ${VERIFY_DEFAULTS.decoys})`,
      positiveInt,
    )
    .option('--alpha <a>', `significance for naming a board (default ${VERIFY_DEFAULTS.alpha})`, openUnit)
    .option(
      '--drop-least-confident <fraction>',
      `leave out this fraction of marked inputs where the base model is least sure (default ${VERIFY_DEFAULTS.dropLeastConfident}; 0: count all)`,
      nonNegativeNumber,
    )
    .addOption(statisticOption('--statistic <s>', ''))
    .addOption(scoreThresholdOption('--score-threshold <p>', 'with --statistic scores'))
    .option('--json', 'print one JSON object')
    .action(verifyAction);
  return rm;
}
