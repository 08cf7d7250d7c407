/**
 * `edgelock provision --port <p>... --master-key <file> --db <factory.db | postgres://…> [--station <name>] [--operator <name>] [--dry-run] [--yes] [--json]`
 * writes each board's device key (HKDF of the master key and the board's unique id) once into its key store,
 * checks it by key-check value (never by reading it) and records every attempt and result in the factory
 * database (SQLite file, or PostgreSQL shared by several stations; EDGELOCK_DB when --db is absent). Boards are
 * handled concurrently; the exit code is 1 when any board failed.
 */
import { Command } from 'commander';
import * as os from 'os';
import { EdgelockError } from '../../errors';
import { FactoryDb, dbSpec } from '../../factory/db';
import { DEFAULT_RETRY_MS } from '../../factory/db-postgres';
import { exitCodeFor } from '../../factory/multi-board';
import { defaultOperator, provision, typedConfirmation } from '../../factory/provision';
import { readKeyFile } from '../../keys/key-file';
import { collectList, nonNegativeNumber } from '../option-parsers';

interface Flags {
  port: string[];
  masterKey: string;
  db?: string;
  station?: string;
  operator?: string;
  dbRetry: number;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('provision')
    .description(
      "write each board's device key once (derived from the master key and its unique id), verify it by " +
        'key-check value, record everything in the factory database',
    )
    .requiredOption(
      '--port <path>',
      'serial port of a board (repeat for several boards, handled concurrently)',
      collectList,
    )
    .requiredOption('--master-key <file>', 'the vendor master key file (edgelock keygen)')
    .option(
      '--db <file|url>',
      'the factory database: a SQLite file (created if missing) or postgres://… shared by several stations (default: $EDGELOCK_DB)',
    )
    .option('--station <name>', 'name of this station in the database (default: the host name)')
    .option('--operator <name>', 'who runs the station, recorded on every event (default: the OS user)')
    .option(
      '--db-retry <seconds>',
      'PostgreSQL: how long to retry while the server cannot be reached before stopping',
      nonNegativeNumber,
      DEFAULT_RETRY_MS / 1000,
    )
    .option('--dry-run', 'show what would be written and record it as a dry run; write nothing')
    .option('--yes', 'skip the typed confirmation')
    .option('--json', 'one JSON object per line per event')
    .action(async (f: Flags) => {
      const spec = dbSpec(f.db);
      const retryS = f.dbRetry;
      const interactive = !f.yes && !f.dryRun;
      if (interactive && !process.stdin.isTTY) {
        throw new EdgelockError(
          'E_USAGE',
          'provisioning writes keys that can never be changed: run it on a terminal to confirm, or pass --yes',
        );
      }
      const master = readKeyFile(f.masterKey);
      try {
        const db = await FactoryDb.open(spec, {
          retryMs: retryS * 1000,
          onRetry: (attempt, why) =>
            process.stderr.write(
              `warning: the factory database did not answer (${why.replace(/\s+/g, ' ')}); retrying (try ${attempt + 1}, up to ${retryS} s)\n`,
            ),
        });
        try {
          const outcomes = await provision({
            ports: f.port,
            master,
            db,
            station: f.station ?? os.hostname(),
            operator: f.operator ?? defaultOperator(),
            dryRun: f.dryRun,
            yes: f.yes,
            json: f.json,
            confirm: interactive ? typedConfirmation(process.stdin, process.stderr) : undefined,
          });
          process.exitCode = exitCodeFor(outcomes);
        } finally {
          await db.close();
        }
      } finally {
        master.fill(0);
      }
    });
}
