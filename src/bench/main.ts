import { formatTable } from '../text/table';
import { BENCHMARKS } from './registry';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  process.stdout.write(`edgelock benchmarks — node ${process.version}, ${new Date().toISOString()}\n\n`);
  for (const b of selected) {
    const tables = await b.run();
    for (const t of Array.isArray(tables) ? tables : [tables]) {
      process.stdout.write(`## ${t.title}\n\n${formatTable(t.header, t.rows)}\n`);
      for (const n of t.notes ?? []) process.stdout.write(`note: ${n}\n`);
      process.stdout.write('\n');
    }
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
