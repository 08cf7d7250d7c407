/**
 * `edgelock package <model.tflite> -o <pkg.elp> --key <master> --device-uid <uid> --version <semver>
 *   --security-counter <n> [--max-queries <n>] [--max-queries-per-boot <n>] [--query-rate <n/duration>] [--response-mark <rate> [--mark-reference <data,...>]] [--json]`  an authenticated package for one board (docs/package.md)
 */
import * as os from 'os';
import { Command } from 'commander';
import { DEFAULT_PREVIOUS_COUNTER } from '../../package/security-counter';
import { FactoryDb, dbSpec } from '../../factory/db';
import { defaultOperator } from '../../factory/provision';
import { recordPackageTrace } from '../../factory/trace-log';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { parseBoardUid } from '../../device/board-uid';
import { readKeyFile } from '../../keys/key-file';
import { buildPackage } from '../../package/build';
import { decodePackage } from '../../package/decode';
import { EdgelockError } from '../../errors';
import { quietTraceParams } from '../../trace/params';
import { printJson } from '../output';
import { humanBytes } from '../../text/bytes';
import { describeQueryLimits, parseQueryLimitFlags } from '../../package/query-limits';
import { RESPONSE_MARK_DEFAULTS, describeResponseMark, parseResponseMarkRate } from '../../package/response-mark';
import { calibrateRate, Calibration } from '../../response-mark/calibrate';
import { responseMarkKey } from '../../response-mark/decision';
import { poolCodes } from '../../response-mark/pool';
import { COUNTER_JUMP_LIMIT, COUNTER_MAX, parseSecurityCounter } from '../../package/security-counter';

interface PackageFlags {
  output: string;
  key: string;
  deviceUid: string;
  version: string;
  securityCounter?: string;
  previousCounter?: string;
  allowCounterJump?: boolean;
  maxQueries?: string;
  maxQueriesPerBoot?: string;
  queryRate?: string;
  responseMark?: string;
  markReference?: string;
  json?: boolean;
  trace?: boolean;
  traceData?: string;
  db?: string;
  station?: string;
  operator?: string;
}

export function register(program: Command): Command {
  return program
    .command('package <model>')
    .description('wrap a compiled .tflite into an authenticated package (.elp) for one board')
    .requiredOption('-o, --output <file>', 'the package to write (atomically)')
    .requiredOption('--key <keyfile>', 'the vendor master key')
    .requiredOption(
      '--device-uid <uid>',
      "the unique id of the board the package is for (hex, as `device info` prints it): packages are per device, their tag is keyed by that board's device key (docs/package.md)",
    )
    .requiredOption('--version <semver>', 'the model version, e.g. 1.0.0')
    .requiredOption(
      '--security-counter <n>',
      `anti-rollback counter 0..${COUNTER_MAX}: boards refuse packages below the counter they hold`,
    )
    .option(
      '--previous-counter <n>',
      `the counter of the fleet's current package (default ${DEFAULT_PREVIOUS_COUNTER}): jumps are measured from it`,
    )
    .option('--allow-counter-jump', `allow a counter more than ${COUNTER_JUMP_LIMIT} above the previous one`)
    .option(
      '--max-queries <n>',
      'inferences the board answers over its life under this security counter (counted in flash; a reset does not restore them)',
    )
    .option('--max-queries-per-boot <n>', 'inferences the board answers between two resets')
    .option('--query-rate <n/duration>', 'inferences per window of board time, e.g. 10/1s, 100/500ms, 3600/1h')
    .option(
      '--response-mark <rate>',
      'answer this fraction of queries (e.g. 0.5%) with a keyed wrong class, so that a copy distilled from the board can be recognised (docs/watermark.md, "Response mark")',
    )
    .option(
      '--mark-reference <data,...>',
      "with --response-mark: lower this board's rate until it marks at most that fraction of these inputs (e.g. the product's test set), so the accuracy cost there is bounded for every board, not only on average",
    )
    .option('--trace', 'mark the model with this board\'s trace code (docs/security.md, "Tracing a leak"); needs --db')
    .option(
      '--trace-data <data>',
      'with --trace: the owner\'s data (a named dataset or float32 .npy): weights no gradient reaches on it carry the code at a larger amplitude, which survives fine-tuning (docs/security.md, "Tracing a leak")',
    )
    .option('--db <factory db>', 'with --trace: the factory database that records the code id (default: $EDGELOCK_DB)')
    .option('--station <name>', 'with --trace: station name recorded (default: the host name)')
    .option('--operator <name>', 'with --trace: operator recorded (default: the OS user)')
    .option('--json', 'print one JSON object')
    .action(async (model: string, f: PackageFlags) => {
      checkOutputPaths([f.output], [model, f.key]);
      if (f.traceData !== undefined && !f.trace) throw new EdgelockError('E_USAGE', '--trace-data needs --trace');
      const counter = parseSecurityCounter(f);
      const queryLimits = parseQueryLimitFlags(f);
      if (f.markReference !== undefined && f.responseMark === undefined)
        throw new EdgelockError('E_USAGE', '--mark-reference needs --response-mark <rate>');
      let responseMark =
        f.responseMark === undefined
          ? undefined
          : { ratePpm: parseResponseMarkRate(f.responseMark), ...RESPONSE_MARK_DEFAULTS };
      const uid = parseBoardUid(f.deviceUid);
      const tflite = readFileBytes(model);
      const master = readKeyFile(f.key);
      let built;
      let p;
      let calibration: (Calibration & { reference: number; data: string }) | undefined;
      try {
        if (responseMark && f.markReference !== undefined) {
          const codes = poolCodes(
            tflite,
            f.markReference.split(',').map((s) => s.trim()),
            responseMark,
          );
          if (Math.floor((responseMark.ratePpm * codes.length) / 1_000_000) < 1)
            throw new EdgelockError(
              'E_USAGE',
              `--mark-reference: ${codes.length} inputs are too few to calibrate a rate of ${responseMark.ratePpm / 10_000}% (it could mark none of them)`,
            );
          const markKey = responseMarkKey(master, uid);
          try {
            calibration = { ...calibrateRate(markKey, responseMark.ratePpm, codes), data: f.markReference };
          } finally {
            markKey.fill(0);
          }
          responseMark = { ...responseMark, ratePpm: calibration.ratePpm };
        }
        const db = f.trace ? await FactoryDb.open(dbSpec(f.db)) : null;
        try {
          built = buildPackage(tflite, {
            master,
            deviceUid: uid,
            version: f.version,
            securityCounter: counter,
            queryLimits,
            responseMark,
            file: model,
            trace: f.trace === true && (f.traceData ? quietTraceParams(f.traceData) : true),
          });
          p = decodePackage(built.bytes);
          if (db)
            await recordPackageTrace(db, built, {
              master,
              uid: p.deviceUid,
              packageSha256: p.sha256,
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
      const summary = {
        output: f.output,
        bytes: p.totalSize,
        sha256: p.sha256,
        version: p.version,
        securityCounter: p.securityCounter,
        deviceUid: p.deviceUid,
        modelBytes: p.model.length,
        modelSha256: p.modelSha256,
        locked: built.locked,
        watermarked: built.watermarked,
        queryLimits: p.queryLimits ?? null,
        responseMark: p.responseMark ?? null,
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
        trace: built.trace && { codeId: built.trace.codeId, carriers: built.trace.carriers },
        records: p.records.map((r) => r.name),
      };
      if (f.json) {
        printJson(summary);
        return;
      }
      process.stdout.write(
        `wrote ${f.output}: ${humanBytes(p.totalSize)}, version ${p.version}, security counter ${p.securityCounter}, for device ${p.deviceUid}\n` +
          `  model ${humanBytes(p.model.length)}${built.locked ? `, locked (${built.locked.scheme}, ${built.locked.binding} binding${built.locked.wrappedKey ? ', model key wrapped to the device' : ''})` : ''}${built.watermarked ? ', watermarked' : ''}${built.trace ? `, trace code ${built.trace.codeId} on ${built.trace.carriers} weights` : ''}\n` +
          `  query limits ${p.queryLimits ? describeQueryLimits(p.queryLimits) : 'none'}\n` +
          `  response mark ${p.responseMark ? describeResponseMark(p.responseMark) : 'off'}\n` +
          (calibration
            ? `  calibrated on ${calibration.data}: marks ${calibration.marked} of ${calibration.reference} inputs (at most ${calibration.allowed}; ${calibration.markedNominal} at the nominal ${calibration.nominalPpm / 10_000}%)\n`
            : '') +
          `  package sha256 ${p.sha256}\n`,
      );
    });
}
