/**
 * `edgelock factory report --db <file|url> [--uid <uid>] [--station <name>] [--json]`: the factory database's log;
 * `edgelock factory export --db <file|url> --format csv|json [-o <file>]`: every event, for other systems.
 * Both read either backend (SQLite file or postgres:// URL; EDGELOCK_DB when --db is absent) and never create one.
 */
import { Command, Option } from 'commander';
import { FactoryDb, dbSpec } from '../../factory/db';
import { EXPORT_FORMATS, ExportFormat, exportEvents } from '../../factory/export';
import { formatReport } from '../../factory/report';
import { writeFileAtomic } from '../../formats/atomic-write';
import { printJson } from '../output';

async function withDb<T>(flag: string | undefined, fn: (db: FactoryDb) => Promise<T>): Promise<T> {
  const db = await FactoryDb.open(dbSpec(flag), { mustExist: true, retryMs: 5000 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function register(program: Command): Command {
  const factory = program.command('factory').description("the factory station's records");
  factory
    .command('report')
    .description('print the factory database log: one row per provisioning attempt and result (never a key)')
    .option('--db <file|url>', 'the factory database: a SQLite file or postgres://… (default: $EDGELOCK_DB)')
    .option('--uid <uid>', 'only this board')
    .option('--station <name>', 'only this station')
    .option('--json', 'print one JSON array of the events')
    .action((f: { db?: string; uid?: string; station?: string; json?: boolean }) =>
      withDb(f.db, async (db) => {
        const events = await db.events({ uid: f.uid, station: f.station });
        if (f.json) printJson(events);
        else process.stdout.write(formatReport(events));
      }),
    );
  factory
    .command('export')
    .description('write every factory event as CSV or JSON (never a key)')
    .option('--db <file|url>', 'the factory database: a SQLite file or postgres://… (default: $EDGELOCK_DB)')
    .addOption(
      new Option('--format <csv|json>', 'csv (RFC 4180, header line) or json (an array of objects)')
        .choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option('-o, --output <file>', 'write to this file (atomically) instead of stdout')
    .action((f: { db?: string; format: ExportFormat; output?: string }) =>
      withDb(f.db, async (db) => {
        const text = exportEvents(await db.events(), f.format);
        if (f.output) writeFileAtomic(f.output, text);
        else process.stdout.write(text);
      }),
    );
  return factory;
}
