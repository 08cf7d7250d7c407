/**
 * `edgelock provision --port <p>... --master-key <file> --db <factory.db> [--station <name>] [--dry-run] [--yes] [--json]`
 * writes each board's device key (HKDF of the master key and the board's unique id) once into its key store,
 * checks it by key-check value (never by reading it) and records every attempt and result in the factory
 * database. Boards are handled concurrently; the exit code is 1 when any board failed.
 */
import { Command } from 'commander';
import * as os from 'os';
import { EdgelockError } from '../../errors';
import { FactoryDb } from '../../factory/db';
import { collectPorts, exitCodeFor } from '../../factory/multi-board';
import { provision, typedConfirmation } from '../../factory/provision';
import { readKeyFile } from '../../keys/key-file';

interface Flags {
  port: string[];
  masterKey?: string;
  db?: string;
  station?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('provision')
    .description('write each board\'s device key once (derived from the master key and its unique id), verify it by key-check value, record everything in the factory database')
    .option('--port <path>', 'serial port of a board (repeat for several boards, handled concurrently)', collectPorts, [])
    .option('--master-key <file>', 'the vendor master key file (edgelock keygen)')
    .option('--db <file>', 'the factory database (SQLite; created if missing)')
    .option('--station <name>', 'name of this station in the database (default: the host name)')
    .option('--dry-run', 'show what would be written and record it as a dry run; write nothing')
    .option('--yes', 'skip the typed confirmation')
    .option('--json', 'one JSON object per line per event')
    .action(async (f: Flags) => {
      if (f.port.length === 0) throw new EdgelockError('E_USAGE', 'missing --port <serial port> (repeat it for several boards)');
      if (!f.masterKey) throw new EdgelockError('E_USAGE', 'missing --master-key <file>');
      if (!f.db) throw new EdgelockError('E_USAGE', 'missing --db <factory.db>');
      const interactive = !f.yes && !f.dryRun;
      if (interactive && !process.stdin.isTTY) {
        throw new EdgelockError('E_USAGE', 'provisioning writes keys that can never be changed: run it on a terminal to confirm, or pass --yes');
      }
      const master = readKeyFile(f.masterKey);
      try {
        const db = FactoryDb.open(f.db);
        try {
          const outcomes = await provision({
            ports: f.port, master, db, station: f.station ?? os.hostname(), dryRun: f.dryRun, yes: f.yes, json: f.json,
            confirm: interactive ? typedConfirmation(process.stdin, process.stderr) : undefined,
          });
          process.exitCode = exitCodeFor(outcomes);
        } finally {
          db.close();
        }
      } finally {
        master.fill(0);
      }
    });
}
