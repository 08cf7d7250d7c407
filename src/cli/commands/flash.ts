/**
 * `edgelock flash --port <p>... <pkg.elp>... [--json]`  uploads authenticated packages to boards concurrently.
 * Packages are per device: each board gets the package made for its unique id (a single package given for
 * every board is sent as is, and boards it was not made for refuse it). Skips boards whose active package is
 * already this one; resumes interrupted uploads; exit code 1 when any board failed.
 */
import { Command } from 'commander';
import { withDevice } from '../../device/client';
import { FlashResult, flashPort } from '../../factory/flash';
import { checkFlashPlan, packageFor } from '../../factory/flash-plan';
import { exitCodeFor, runOnBoards } from '../../factory/multi-board';
import { readFileBytes } from '../../formats/load';
import { DecodedPackage, decodePackage } from '../../package/decode';
import { collectList } from '../option-parsers';

interface Flags {
  port: string[];
  json?: boolean;
}

interface Loaded {
  file: string;
  bytes: Uint8Array;
  pkg: DecodedPackage;
}

export { packageFor };

function summary(r: FlashResult & { file: string }): string {
  if (r.skipped) return `${r.file}: version ${r.version} already active in slot ${r.slot}, skipped`;
  return (
    `${r.file}: version ${r.version} (counter ${r.securityCounter}) active in slot ${r.slot}` +
    `${r.resumedFrom ? `, resumed at byte ${r.resumedFrom}` : ''}, ${r.bytes} bytes in ${r.seconds.toFixed(1)} s`
  );
}

export function register(program: Command): Command {
  return program
    .command('flash <packages...>')
    .description(
      'upload authenticated packages (.elp) to boards: verified and activated by each board, resumable, skipped when already active',
    )
    .requiredOption(
      '--port <path>',
      'serial port of a board (repeat for several boards, flashed concurrently)',
      collectList,
    )
    .option('--json', 'one JSON object per line per event')
    .action(async (files: string[], f: Flags) => {
      const packages: Loaded[] = files.map((file) => {
        const bytes = readFileBytes(file);
        return { file, bytes, pkg: decodePackage(bytes, file) };
      });
      checkFlashPlan(f.port, packages);
      const outcomes = await runOnBoards(
        f.port,
        async (port, emit) => {
          const uid = await withDevice(port, async (c) => (await c.info()).uid);
          const p = packageFor(uid, packages);
          emit({
            event: 'package',
            message: `${p.file} (version ${p.pkg.version}, for device ${p.pkg.deviceUid})`,
            file: p.file,
          });
          return { file: p.file, ...(await flashPort(port, p.bytes, emit)) };
        },
        { json: Boolean(f.json), title: 'flash', summary },
      );
      process.exitCode = exitCodeFor(outcomes);
    });
}
