/**
 * One provisioning station as its own process, for the stations benchmark (provision-stations.ts): forked with
 * an IPC channel, it opens the factory database, says `ready`, waits for `go`, provisions its boards with
 * `--yes` semantics and reports the outcome. Start-up and opening the database are not part of the timed run.
 */
import { Writable } from 'stream';
import { FactoryDb } from '../factory/db';
import { provision } from '../factory/provision';

interface Job {
  db: string;
  ports: string[];
  /** hex of the bench's throwaway master key */
  master: string;
  station: string;
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
const send = (m: unknown) => process.send!(m);

process.once('message', async (job: Job) => {
  const master = Buffer.from(job.master, 'hex');
  let retries = 0;
  const db = await FactoryDb.open(job.db, { retryMs: 60000, onRetry: () => void retries++ });
  send({ ready: true });
  process.once('message', async () => {
    const t0 = process.hrtime.bigint();
    const out = await provision({
      ports: job.ports,
      master,
      db,
      station: job.station,
      operator: 'bench',
      yes: true,
      streams: { out: sink(), err: sink() },
      tty: false,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    master.fill(0);
    await db.close();
    send({
      done: true,
      ms,
      retries,
      failed: out.filter((o) => !o.ok).map((o) => `${o.port} (${o.error!.code}: ${o.error!.message})`),
    });
    process.exit(0);
  });
});
