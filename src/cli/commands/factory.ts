/** `edgelock factory report --db <file> [--uid <uid>] [--station <name>] [--json]`: the factory database's log. */
import { Command } from 'commander';
import { EdgelockError } from '../../errors';
import { FactoryDb } from '../../factory/db';
import { formatReport } from '../../factory/report';
import { printJson } from '../output';

export function register(program: Command): Command {
  const factory = program.command('factory').description('the factory station\'s records');
  factory
    .command('report')
    .description('print the factory database log: one row per provisioning attempt and result (never a key)')
    .option('--db <file>', 'the factory database')
    .option('--uid <uid>', 'only this board')
    .option('--station <name>', 'only this station')
    .option('--json', 'print one JSON array of the events')
    .action((f: { db?: string; uid?: string; station?: string; json?: boolean }) => {
      if (!f.db) throw new EdgelockError('E_USAGE', 'missing --db <factory.db>');
      const db = FactoryDb.open(f.db, { mustExist: true });
      try {
        const events = db.events({ uid: f.uid, station: f.station });
        if (f.json) printJson(events);
        else process.stdout.write(formatReport(events));
      } finally {
        db.close();
      }
    });
  return factory;
}
