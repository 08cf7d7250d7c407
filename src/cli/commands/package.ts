/**
 * `edgelock package <model.tflite> -o <pkg.elp> --key <master> --device-uid <uid> --version <semver>
 *   --security-counter <n> [--json]`  an authenticated package for one board (docs/package.md)
 */
import * as os from 'os';
import { Command } from 'commander';
import { FactoryDb, dbSpec } from '../../factory/db';
import { defaultOperator } from '../../factory/provision';
import { recordPackageTrace } from '../../factory/trace-log';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { parseBoardUid } from '../../device/board-uid';
import { readKeyFile } from '../../keys/key-file';
import { buildPackage } from '../../package/build';
import { decodePackage } from '../../package/decode';
import { printJson } from '../output';
import { humanBytes } from '../../text/bytes';
import { COUNTER_JUMP_LIMIT, COUNTER_MAX, parseSecurityCounter } from '../../package/security-counter';

interface PackageFlags {
  output?: string;
  key?: string;
  deviceUid?: string;
  version?: string;
  securityCounter?: string;
  previousCounter?: string;
  allowCounterJump?: boolean;
  json?: boolean;
  trace?: boolean;
  db?: string;
  station?: string;
  operator?: string;
}

export function register(program: Command): Command {
  return program
    .command('package <model>')
    .description('wrap a compiled .tflite into an authenticated package (.elp) for one board')
    .option('-o, --output <file>', 'the package to write (atomically)')
    .option('--key <keyfile>', 'the vendor master key')
    .option('--device-uid <uid>', 'the unique id of the board the package is for (hex, as `device info` prints it)')
    .option('--version <semver>', 'the model version, e.g. 1.0.0')
    .option(
      '--security-counter <n>',
      `anti-rollback counter 0..${COUNTER_MAX}: boards refuse packages below the counter they hold`,
    )
    .option(
      '--previous-counter <n>',
      "the counter of the fleet's current package (default 0): jumps are measured from it",
    )
    .option('--allow-counter-jump', `allow a counter more than ${COUNTER_JUMP_LIMIT} above the previous one`)
    .option('--trace', 'mark the model with this board\'s trace code (docs/security.md, "Tracing a leak"); needs --db')
    .option('--db <factory db>', 'with --trace: the factory database that records the code id (default: $EDGELOCK_DB)')
    .option('--station <name>', 'with --trace: station name recorded (default: the host name)')
    .option('--operator <name>', 'with --trace: operator recorded (default: the OS user)')
    .option('--json', 'print one JSON object')
    .action(async (model: string, f: PackageFlags) => {
      if (!f.output) throw new EdgelockError('E_USAGE', 'missing -o <pkg.elp>');
      if (!f.key) throw new EdgelockError('E_USAGE', 'missing --key <master keyfile>');
      if (!f.deviceUid) {
        throw new EdgelockError(
          'E_USAGE',
          "missing --device-uid <uid>: packages are per device (their tag is keyed by that board's device key; see docs/package.md)",
        );
      }
      if (!f.version) throw new EdgelockError('E_USAGE', 'missing --version <semver>');
      checkOutputPaths([f.output], [model, f.key]);
      const counter = parseSecurityCounter(f);
      const uid = parseBoardUid(f.deviceUid);
      const tflite = readFileBytes(model);
      const master = readKeyFile(f.key);
      let built;
      let p;
      try {
        const db = f.trace ? await FactoryDb.open(dbSpec(f.db)) : null;
        try {
          built = buildPackage(tflite, {
            master,
            deviceUid: uid,
            version: f.version,
            securityCounter: counter,
            file: model,
            trace: f.trace === true,
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
          `  package sha256 ${p.sha256}\n`,
      );
    });
}
