/**
 * Provisioning benchmark (issue 7): time to provision one board (INFO, KEY_WRITE, KEY_CHECK and the
 * database rows), the no-op re-run, and how the wall time scales with 1 to 4 boards provisioned
 * concurrently — on freshly started boards each time (a key store is write-once), with a real WAL database.
 * Then several stations on one database, SQLite and PostgreSQL (provision-stations.ts).
 * `npm run bench -- provision`
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Writable } from 'stream';
import { startBoard, stopBoard } from '../board';
import { FactoryDb } from '../factory/db';
import { provision } from '../factory/provision';
import { provisionStationsTable } from './provision-stations';
import { BenchTable, Benchmark } from './types';

const ROUNDS: Record<string, number> = { 'host-sim': 5, 'qemu-mps2-an386': 3 };
const MAX_BOARDS = 4;

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Starts `k` fresh boards, runs fn with their ports, stops them. */
async function withFreshBoards<T>(board: string, k: number, fn: (ports: string[]) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), `edgelock-bench-prov-${board}-`));
  const started = await Promise.all(
    Array.from({ length: k }, (_, i) => startBoard({ board, stateDir: join(root, `b${i}`) })),
  );
  try {
    return await fn(started.map((b) => b.port));
  } finally {
    for (const b of started) await stopBoard(String(b.pid)).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Wall time of one `provision` run over `ports`, in ms; throws if a board failed. */
async function timed(ports: string[], master: Buffer, db: FactoryDb): Promise<number> {
  const t0 = process.hrtime.bigint();
  const out = await provision({
    ports,
    master,
    db,
    station: 'bench',
    yes: true,
    streams: { out: sink(), err: sink() },
    tty: false,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const failed = out.filter((o) => !o.ok);
  if (failed.length)
    throw new Error(
      `provisioning failed on ${failed.map((o) => `${o.port} (${o.error!.code}: ${o.error!.message})`).join(', ')}`,
    );
  return ms;
}

export const provisionBench: Benchmark = {
  name: 'provision',
  async run(): Promise<BenchTable[]> {
    const dir = mkdtempSync(join(tmpdir(), 'edgelock-bench-db-'));
    const db = await FactoryDb.open(join(dir, 'factory.db'));
    const master = randomBytes(32);
    const rows: (string | number)[][] = [];
    try {
      for (const board of ['host-sim', 'qemu-mps2-an386']) {
        let single = 0;
        for (let k = 1; k <= MAX_BOARDS; k++) {
          const walls: number[] = [];
          const noops: number[] = [];
          for (let r = 0; r < ROUNDS[board]; r++) {
            await withFreshBoards(board, k, async (ports) => {
              walls.push(await timed(ports, master, db));
              if (k === 1) noops.push(await timed(ports, master, db));
            });
          }
          const wall = median(walls);
          if (k === 1) {
            single = wall;
            rows.push([
              board,
              'already provisioned (no-op re-run)',
              1,
              median(noops).toFixed(0),
              median(noops).toFixed(0),
              '',
            ]);
          }
          rows.push([
            board,
            'fresh: write + verify',
            k,
            wall.toFixed(0),
            (wall / k).toFixed(0),
            `${((k * single) / wall).toFixed(2)}x`,
          ]);
        }
      }
    } finally {
      master.fill(0);
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const single: BenchTable = {
      title:
        'provision: wall time per run, 1 to 4 boards provisioned concurrently (median of 5 rounds on host-sim, 3 on QEMU)',
      header: ['board', 'case', 'boards', 'wall ms', 'ms per board', 'speed-up vs one at a time'],
      rows,
      notes: [
        'each round starts fresh boards (key stores are write-once); board start-up is not timed',
        'a run = open port, INFO, KEY_WRITE, KEY_CHECK, close, plus four database statements (claim, attempt ' +
          'row, written row, claim done) in a WAL SQLite database',
        "speed-up = k x (one board's wall time) / (k boards' wall time); QEMU boards share the machine's cores",
        'QEMU: the device work is ~10 ms; the wall time is dominated by QEMU noticing that the host (re)opened ' +
          'its pty, which it polls about once a second (0-1 s per open, hence the ~1 s no-op re-run)',
      ],
    };
    return [single, await provisionStationsTable()];
  },
};
