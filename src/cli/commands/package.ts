/**
 * `edgelock package <model.tflite> -o <pkg.elp> --key <master> --device-uid <uid> --version <semver>
 *   --security-counter <n> [--previous-counter <n>] [--allow-counter-jump] [--max-queries <n>]
 *   [--max-queries-per-boot <n>] [--query-rate <n/duration>] [--response-mark <rate>
 *   [--mark-reference <data,...> [--mark-gate <fraction>]] [--mark-scheme 1|2] [--mark-runs n] [--mark-levels n]]
 *   [--score-offsets <delta> --offsets-reference <data,...>]
 *   [--trace --db <db>] [--json]`
 * an authenticated package for one board (docs/package.md)
 */
import * as os from 'os';
import { Command, Option } from 'commander';
import { FactoryDb, dbSpec } from '../../factory/db';
import { defaultOperator } from '../../factory/provision';
import { recordPackageTrace } from '../../factory/trace-log';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { parseBoardUid } from '../../device/board-uid';
import { inspectPackage, packageFieldLines } from '../../inspect/package';
import { EdgelockError } from '../../errors';
import { readKeyFile } from '../../keys/key-file';
import { scoreOffsetsForModel } from '../../score-offsets/for-model';
import { BuiltPackage, buildPackage } from '../../package/build';
import { QueryLimits } from '../../package/query-limits';
import { ResponseMarkParams } from '../../package/response-mark';
import {
  COUNTER_JUMP_LIMIT,
  COUNTER_MAX,
  COUNTER_RESERVED,
  DEFAULT_PREVIOUS_COUNTER,
  checkCounterJump,
  checkSecurityCounter,
} from '../../package/security-counter';
import { humanBytes } from '../../text/bytes';
import { quietTraceParams } from '../../trace/params';
import { printJson } from '../output';
import { commaList, decimalRange, positiveNumber, queryRate, ratePpm } from '../option-parsers';

const U32_MAX = 0xffffffff;
/** a query limit of 0 is "no limit" in the record: on the command line that is leaving the flag out */
const queryCount = decimalRange(1, U32_MAX, 'leave the flag out for no limit; 0 would answer nothing');
import { Calibration } from '../../response-mark/calibrate';
import { responseMarkKey } from '../../response-mark/decision';
import { calibrateBoard, loadMarkReference } from '../../response-mark/reference';
import { coarseningOf, markLevelsOption, markRunsOption } from './response-mark';

interface PackageFlags {
  output: string;
  key: string;
  deviceUid: string;
  version: string;
  securityCounter: number;
  previousCounter?: number;
  allowCounterJump?: boolean;
  maxQueries?: number;
  maxQueriesPerBoot?: number;
  queryRate?: { rateCount: number; rateWindowMs: number };
  responseMark?: number;
  markReference?: string[];
  markScheme: string;
  /** parsed by ratePpm: the gate's fraction of the reference, per million */
  markGate?: number;
  markRuns?: number;
  markLevels?: number;
  scoreOffsets?: number;
  offsetsReference?: string[];
  json?: boolean;
  trace?: boolean;
  traceData?: string;
  db?: string;
  station?: string;
  operator?: string;
}

/** The limits the flags ask for (a flag left out: 0, no limit), or undefined when none is given. */
function queryLimitsOf(f: PackageFlags): QueryLimits | undefined {
  if (f.maxQueries === undefined && f.maxQueriesPerBoot === undefined && f.queryRate === undefined) return undefined;
  return {
    lifetime: f.maxQueries ?? 0,
    perBoot: f.maxQueriesPerBoot ?? 0,
    ...(f.queryRate ?? { rateCount: 0, rateWindowMs: 0 }),
  };
}

/** What building did that the package's records do not say: the lock's scheme and binding, the trace code. */
function builtLines(b: BuiltPackage): string[] {
  return [
    ...(b.locked ? [`lock scheme       ${b.locked.scheme}, ${b.locked.binding} binding`] : []),
    ...(b.trace
      ? [
          `trace code        ${b.trace.codeId} on ${b.trace.carriers} weights` +
            (b.trace.units ? `, ${b.trace.units} trigger units` : ''),
        ]
      : []),
  ];
}

export function register(program: Command): Command {
  return program
    .command('package <model>')
    .description('wrap a compiled .tflite into an authenticated package (.elp) for one board')
    .requiredOption('-o, --output <file>', 'the package to write (atomically)')
    .requiredOption('--key <keyfile>', 'the vendor master key')
    .requiredOption(
      '--device-uid <uid>',
      'the unique id of the board the package is for (hex, as `device info` prints it): packages are per ' +
        "device, their tag is keyed by that board's device key (docs/package.md)",
    )
    .requiredOption('--version <semver>', 'the model version, e.g. 1.0.0')
    .requiredOption(
      '--security-counter <n>',
      `anti-rollback counter 0..${COUNTER_MAX}: boards refuse packages below the counter they hold`,
      decimalRange(0, COUNTER_RESERVED),
    )
    .option(
      '--previous-counter <n>',
      `the counter of the fleet's current package (default ${DEFAULT_PREVIOUS_COUNTER}): jumps are measured from it`,
      decimalRange(0, COUNTER_MAX),
    )
    .option('--allow-counter-jump', `allow a counter more than ${COUNTER_JUMP_LIMIT} above the previous one`)
    .option(
      '--max-queries <n>',
      'inferences the board answers over its life under this security counter ' +
        '(counted in flash; a reset does not restore them)',
      queryCount,
    )
    .option('--max-queries-per-boot <n>', 'inferences the board answers between two resets', queryCount)
    .option(
      '--query-rate <n/duration>',
      'inferences per window of board time, e.g. 10/1s, 100/500ms, 3600/1h',
      queryRate,
    )
    .option(
      '--response-mark <rate>',
      'answer this fraction of queries (e.g. 0.5%) with a keyed wrong class, so that a copy distilled from the ' +
        'board can be recognised (docs/watermark.md, "Response mark")',
      ratePpm,
    )
    .option(
      '--mark-reference <data,...>',
      "with --response-mark: lower this board's rate until it marks at most that fraction of these inputs " +
        "(e.g. the product's test set), so the accuracy cost there is bounded for every board, not only on average",
      commaList((v) => v),
    )
    .addOption(
      new Option(
        '--mark-scheme <n>',
        'with --response-mark: 2 never answers the runner-up as the keyed class (the verifier then leaves those ' +
          'answers out: less noise); 1 as packages before it',
      )
        .choices(['1', '2'])
        .default('2'),
    )
    .option(
      '--mark-gate <fraction>',
      'with --response-mark and --mark-reference (scheme 2): mark only answers as unsure as the least sure ' +
        'fraction (e.g. 5%) of the reference, at a rate raised to keep the same marked count; a convolutional copy ' +
        'trained on hard labels learns those marks, a soft-label copy learns them less (docs/watermark.md)',
      ratePpm,
    )
    .addOption(markRunsOption('with --response-mark'))
    .addOption(markLevelsOption('with --response-mark'))
    .option(
      '--score-offsets <delta>',
      "add a keyed function of the input of this size (in the output's units, e.g. 1 logit) to every answer's " +
        'scores, a signal a copy trained on the scores learns even with shifted images (docs/watermark.md, ' +
        '"Score offsets"); needs --offsets-reference',
      positiveNumber,
    )
    .option(
      '--offsets-reference <data,...>',
      "with --score-offsets: the owner's inputs (named datasets or .npy) the features are standardised on",
      commaList((v) => v),
    )
    .option('--trace', 'mark the model with this board\'s trace code (docs/security.md, "Tracing a leak"); needs --db')
    .option(
      '--trace-data <data>',
      "with --trace: the owner's data (a named dataset or float32 .npy): weights no gradient reaches on it carry " +
        'the code at a larger amplitude, which survives fine-tuning (docs/security.md, "Tracing a leak")',
    )
    .option('--db <factory db>', 'with --trace: the factory database that records the code id (default: $EDGELOCK_DB)')
    .option('--station <name>', 'with --trace: station name recorded (default: the host name)')
    .option('--operator <name>', 'with --trace: operator recorded (default: the OS user)')
    .option('--json', 'print one JSON object')
    .action(async (model: string, f: PackageFlags) => {
      checkOutputPaths([f.output], [model, f.key]);
      if (f.traceData !== undefined && !f.trace) throw new EdgelockError('E_USAGE', '--trace-data needs --trace');
      checkSecurityCounter(f.securityCounter);
      checkCounterJump(f.securityCounter, f.previousCounter, f.allowCounterJump === true);
      if (f.markReference !== undefined && f.responseMark === undefined)
        throw new EdgelockError('E_USAGE', '--mark-reference needs --response-mark <rate>');
      if ((f.markRuns !== undefined || f.markLevels !== undefined) && f.responseMark === undefined)
        throw new EdgelockError('E_USAGE', '--mark-runs and --mark-levels need --response-mark <rate>');
      if (f.markGate !== undefined && (f.markReference === undefined || f.markScheme !== '2'))
        throw new EdgelockError('E_USAGE', '--mark-gate needs --response-mark, --mark-reference and --mark-scheme 2');
      if ((f.scoreOffsets === undefined) !== (f.offsetsReference === undefined))
        throw new EdgelockError('E_USAGE', '--score-offsets and --offsets-reference go together');
      let responseMark: ResponseMarkParams | undefined =
        f.responseMark === undefined
          ? undefined
          : {
              ratePpm: f.responseMark,
              ...coarseningOf(f),
              ...(f.markScheme === '2' ? { skipRunnerUp: true } : {}),
            };
      const uid = parseBoardUid(f.deviceUid);
      const tflite = readFileBytes(model);
      const master = readKeyFile(f.key);
      let built;
      let report;
      let calibration: (Calibration & { reference: number; data: string }) | undefined;
      try {
        if (responseMark && f.markReference !== undefined) {
          const ref = await loadMarkReference(
            tflite,
            f.markReference,
            responseMark,
            f.markGate === undefined ? undefined : f.markGate / 1_000_000,
          );
          const markKey = responseMarkKey(master, uid);
          try {
            calibration = { ...calibrateBoard(markKey, responseMark.ratePpm, ref), data: ref.data };
          } finally {
            markKey.fill(0);
          }
          responseMark = {
            ...responseMark,
            ratePpm: calibration.ratePpm,
            ...(ref.gate !== undefined ? { gate: ref.gate } : {}),
          };
        }
        // calibrated on the reference before anything is opened or written, like the mark's rate
        const scoreOffsets =
          f.scoreOffsets === undefined ? undefined : scoreOffsetsForModel(tflite, f.scoreOffsets, f.offsetsReference!);
        const db = f.trace ? await FactoryDb.open(dbSpec(f.db)) : null;
        try {
          built = buildPackage(tflite, {
            master,
            deviceUid: uid,
            version: f.version,
            securityCounter: f.securityCounter,
            queryLimits: queryLimitsOf(f),
            responseMark,
            scoreOffsets,
            file: model,
            trace: f.trace === true && (f.traceData ? quietTraceParams(f.traceData) : true),
          });
          report = inspectPackage(built.bytes, f.output);
          if (db)
            await recordPackageTrace(db, built, {
              master,
              uid: report.deviceUid,
              packageSha256: report.sha256,
              station: f.station ?? os.hostname(),
              operator: f.operator ?? defaultOperator(),
            });
        } finally {
          await db?.close();
        }
      } finally {
        master.fill(0);
      }
      writeFileAtomic(f.output, built.bytes);
      if (f.json) {
        printJson({
          output: f.output,
          bytes: report.totalSize,
          sha256: report.sha256,
          version: report.version,
          securityCounter: report.securityCounter,
          deviceUid: report.deviceUid,
          modelBytes: report.modelBytes,
          modelSha256: report.modelSha256,
          locked: built.locked,
          watermarked: built.watermarked,
          queryLimits: report.queryLimits,
          responseMark: report.responseMark,
          scoreOffsets: report.scoreOffsets,
          trace: built.trace && {
            codeId: built.trace.codeId,
            carriers: built.trace.carriers,
            units: built.trace.units,
          },
          ...(calibration
            ? {
                responseMarkCalibration: {
                  reference: calibration.data,
                  inputs: calibration.reference,
                  nominalPpm: calibration.nominalPpm,
                  ratePpm: calibration.ratePpm,
                  markedAtNominal: calibration.markedNominal,
                  marked: calibration.marked,
                  allowed: calibration.allowed,
                },
              }
            : {}),
          records: report.records.map((r) => r.name),
        });
        return;
      }
      process.stdout.write(
        [
          `wrote ${f.output}: ${humanBytes(report.totalSize)}`,
          ...packageFieldLines(report),
          ...builtLines(built),
          ...(calibration
            ? [
                `calibrated on ${calibration.data}: marks ${calibration.marked} of ${calibration.reference} inputs ` +
                  `(at most ${calibration.allowed}; ${calibration.markedNominal} at the nominal ` +
                  `${calibration.nominalPpm / 10_000}%)`,
              ]
            : []),
        ].join('\n') + '\n',
      );
    });
}
