/**
 * Several stations on one factory database (issue 17): boards per second with 1, 2 and 4 station processes
 * × 4 host-sim boards each, on SQLite (one WAL file shared by the stations) and on PostgreSQL (a throwaway
 * local server, postgres-cluster.ts), and on PostgreSQL with the server restarted in the middle of the run
 * (`pg_ctl stop -m fast` then `start`: every session is cut; stations retry with backoff).
 * Part of `npm run bench -- provision`.
 */
import { fork } from 'child_process';
import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startBoard, stopBoard } from '../board';
import { TestPostgres } from './postgres-cluster';
import { BenchTable } from './types';

const BOARDS_PER_STATION = 4;
const STATIONS = [1, 2, 4];
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface StationResult {
  ms: number;
  retries: number;
  failed: string[];
}

/** Forks one station per port group, waits until all opened the database, starts them at once; returns the wall time. */
async function runStations(
  db: string,
  groups: string[][],
  master: Buffer,
  during?: () => Promise<void>,
): Promise<{ wallMs: number; retries: number }> {
  const children = groups.map(() =>
    fork(join(__dirname, 'provision-station.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  try {
    const next = (c: ReturnType<typeof fork>) =>
      new Promise<unknown>((resolve, reject) => {
        c.once('message', resolve);
        c.once('exit', (code) => reject(new Error(`a station exited (${code}) before answering`)));
      });
    await Promise.all(
      children.map((c, i) => {
        const ready = next(c);
        c.send({ db, ports: groups[i], master: master.toString('hex'), station: `station-${i + 1}` });
        return ready;
      }),
    );
    const t0 = process.hrtime.bigint();
    const results = children.map((c) => next(c) as Promise<StationResult>);
    for (const c of children) c.send({ go: true });
    if (during) await during();
    const done = await Promise.all(results);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const failed = done.flatMap((d) => d.failed);
    if (failed.length) throw new Error(`provisioning failed on ${failed.join(', ')}`);
    return { wallMs, retries: done.reduce((a, d) => a + d.retries, 0) };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

async function withFreshBoards<T>(k: number, fn: (ports: string[]) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'edgelock-bench-stations-'));
  const started = await Promise.all(
    Array.from({ length: k }, (_, i) => startBoard({ board: 'host-sim', stateDir: join(root, `b${i}`) })),
  );
  try {
    return await fn(started.map((b) => b.port));
  } finally {
    for (const b of started) await stopBoard(String(b.pid)).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

export async function provisionStationsTable(): Promise<BenchTable> {
  const dir = mkdtempSync(join(tmpdir(), 'edgelock-bench-stations-db-'));
  const pg = await TestPostgres.start();
  const master = randomBytes(32);
  const rows: (string | number)[][] = [];
  try {
    const cases: { backend: string; restart: boolean }[] = [
      { backend: 'sqlite', restart: false },
      { backend: 'postgres', restart: false },
      { backend: 'postgres', restart: true },
    ];
    for (const c of cases) {
      for (const stations of STATIONS) {
        const walls: number[] = [];
        const downs: number[] = [];
        let retries = 0;
        for (let r = 0; r < ROUNDS; r++) {
          const db =
            c.backend === 'sqlite'
              ? join(dir, `s${stations}-r${r}-${c.restart}.db`)
              : await pg.createDatabase(`bench_s${stations}_r${r}_${c.restart ? 'restart' : 'plain'}`);
          await withFreshBoards(stations * BOARDS_PER_STATION, async (ports) => {
            const groups = Array.from({ length: stations }, (_, i) =>
              ports.slice(i * BOARDS_PER_STATION, (i + 1) * BOARDS_PER_STATION),
            );
            const during = c.restart
              ? async () => {
                  const t0 = process.hrtime.bigint();
                  pg.stopServer('fast');
                  await pg.startServer();
                  downs.push(Number(process.hrtime.bigint() - t0) / 1e6);
                }
              : undefined;
            const res = await runStations(db, groups, master, during);
            walls.push(res.wallMs);
            retries += res.retries;
          });
        }
        const wall = median(walls);
        const boards = stations * BOARDS_PER_STATION;
        rows.push([
          c.backend + (c.restart ? ' + restart mid-run' : ''),
          stations,
          boards,
          wall.toFixed(0),
          (boards / (wall / 1000)).toFixed(1),
          c.restart ? median(downs).toFixed(0) : '',
          c.restart ? (retries / ROUNDS).toFixed(1) : '',
        ]);
      }
    }
  } finally {
    master.fill(0);
    pg.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: `provision: several stations on one factory database, ${BOARDS_PER_STATION} host-sim boards per station (median of ${ROUNDS} rounds)`,
    header: ['database', 'stations', 'boards', 'wall ms', 'boards/s', 'server down ms', 'retries per run'],
    rows,
    notes: [
      'each station is its own process (forked) with its own database connection; start-up and opening the database are not timed',
      'a board = INFO, claim (database), attempt row, KEY_WRITE, KEY_CHECK, written row, claim done; fresh boards every round',
      'SQLite: one WAL file shared by the stations (synchronous = FULL); PostgreSQL 15: a local throwaway server on 127.0.0.1 (fsync on, default settings)',
      'restart mid-run: right after the stations start, `pg_ctl stop -m fast` then `pg_ctl start -w` (server ' +
        'down ms: from the stop command to the started server, included in the wall time); stations retry ' +
        'with backoff (50 ms doubling to 1 s), so they resume up to 1 s after the server is back; every ' +
        'board is still written exactly once (no failed board, or the benchmark stops)',
    ],
  };
}
