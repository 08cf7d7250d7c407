/**
 * Several stations on one PostgreSQL (issue 17), with real station processes (the built CLI), real host-sim
 * boards and a real server (test/helpers/postgres.ts) that the tests stop and start:
 *  - two stations racing on one uid (two boards cloned from one identity): exactly one writes, the other gets
 *    E_FACTORY_CLAIMED and its board is untouched;
 *  - the server restarted while stations are mid-run: they retry with backoff and finish; nothing lost or doubled;
 *  - the server gone: the station stops with E_FACTORY_DB_UNREACHABLE, and every board that holds a key has its
 *    attempt recorded (no key written that the database did not record first).
 * Expected key-check values come from RFC 5869 HKDF (node:crypto) and HMAC, independently of src/keys.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHmac, hkdfSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { RunningBoard, stopBoard } from '../../src/board';
import { FactoryDb } from '../../src/factory/db';
import { withDevice } from '../../src/device';
import { freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { CLI, jsonLines, runCli } from '../helpers/cli';
import { TestPostgres, freePort } from '../helpers/postgres';

const work = freshStateDir('stations-work');
const keyFile = path.join(work, 'master.key');
let master: Buffer;
let pg: TestPostgres;

const deviceKey = (uid: string) =>
  Buffer.from(hkdfSync('sha256', master, Buffer.from(uid, 'hex'), Buffer.from('edgelock device key v1'), 32));
const kcv = (key: Buffer) => createHmac('sha256', key).update('check').digest();
const infoOf = (port: string) => withDevice(port, (c) => c.info());

beforeAll(async () => {
  expect(runCli(['keygen', '-o', keyFile]).status).toBe(0);
  master = fs.readFileSync(keyFile);
  pg = await TestPostgres.start();
}, 120000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  pg?.destroy();
});

type Row = {
  outcome: string;
  port: string;
  uid: string | null;
  error_code: string | null;
  station: string;
  operator: string;
  id: string;
};
async function query<T = Row>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A station process: `edgelock provision ... --yes --json`, its output collected; `firstLine` resolves at its first JSON line. */
interface Station {
  child: ChildProcess;
  done: Promise<{ status: number; stdout: string; stderr: string }>;
  firstEvent: Promise<void>;
}
function station(name: string, ports: string[], db: string, extra: string[] = []): Station {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'provision',
      ...ports.flatMap((p) => ['--port', p]),
      '--master-key',
      keyFile,
      '--db',
      db,
      '--station',
      name,
      '--operator',
      `op-${name}`,
      '--yes',
      '--json',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let first: () => void;
  const firstEvent = new Promise<void>((r) => (first = r));
  child.stdout!.on('data', (d) => {
    stdout += d;
    if (stdout.includes('\n')) first();
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr })),
  );
  return { child, done, firstEvent };
}

/** Two boards with the same unique id: a fresh board's state (its identity) copied before any key was written. */
async function clonedPair(): Promise<[RunningBoard, RunningBoard]> {
  const dirA = freshStateDir('clone-a');
  const a = await startTestBoard('host-sim', dirA);
  await infoOf(a.port); // the identity is made and stored at first start
  await stopBoard(String(a.pid));
  const dirB = freshStateDir('clone-b');
  fs.cpSync(dirA, dirB, { recursive: true });
  return [await startTestBoard('host-sim', dirA), await startTestBoard('host-sim', dirB)];
}

describe('several stations on one PostgreSQL', () => {
  test(
    'two stations racing on the same uids (cloned boards): per uid exactly one writes, the other gets ' +
      'E_FACTORY_CLAIMED and its board is untouched',
    async () => {
      const db = await pg.createDatabase('race');
      const pairs = await Promise.all([clonedPair(), clonedPair(), clonedPair()]);
      for (const [a, b] of pairs) expect((await infoOf(a.port)).uid).toBe((await infoOf(b.port)).uid);
      // both stations start at once, each with one board of every pair (in opposite orders)
      const s1 = station(
        'line-1',
        pairs.map((p) => p[0].port),
        db,
      );
      const s2 = station('line-2', pairs.map((p) => p[1].port).reverse(), db);
      const [r1, r2] = await Promise.all([s1.done, s2.done]);
      expect(r1.stderr + r2.stderr).not.toMatch(/\n\s+at /);
      const results = new Map<string, Record<string, any>>();
      for (const l of [...jsonLines(r1.stdout), ...jsonLines(r2.stdout)])
        if (l.event === 'result' || l.event === 'failed') results.set(l.port, l);
      const events = await query(db, 'SELECT * FROM events ORDER BY seq');
      for (const [a, b] of pairs) {
        const uid = (await infoOf(a.port)).uid;
        const outs = [a, b].map((x) => results.get(x.port)!);
        const winners = outs.filter((o) => o.event === 'result');
        const losers = outs.filter((o) => o.event === 'failed');
        expect(winners).toHaveLength(1);
        expect(winners[0].result.outcome).toBe('written');
        expect(losers).toHaveLength(1);
        expect(losers[0].error.code).toBe('E_FACTORY_CLAIMED');
        // the boards: the winner's holds the device key, the loser's key store is still empty
        const winnerPort = winners[0].port;
        const loserPort = losers[0].port;
        expect((await withDevice(winnerPort, (c) => c.keyCheck(0))).equals(kcv(deviceKey(uid)))).toBe(true);
        expect((await infoOf(loserPort)).keyProvisioned).toBe(false);
        // the database: one written row for the uid; the loser never recorded an attempt
        expect(events.filter((e) => e.uid === uid && e.outcome === 'written')).toHaveLength(1);
        expect(events.filter((e) => e.port === loserPort).map((e) => [e.outcome, e.error_code])).toEqual([
          ['failed', 'E_FACTORY_CLAIMED'],
        ]);
      }
      // a station's exit code is 1 exactly when it lost at least one board
      for (const [r, mine] of [
        [r1, pairs.map((p) => p[0].port)],
        [r2, pairs.map((p) => p[1].port)],
      ] as const) {
        expect(r.status).toBe(mine.some((port) => results.get(port)!.event === 'failed') ? 1 : 0);
      }
    },
    180000,
  );

  test(
    'a station on a board another station is writing (its claim active): E_FACTORY_CLAIMED, board untouched; ' +
      'once that claim is released, it writes',
    async () => {
      const db = await pg.createDatabase('sameboard');
      const b = await startTestBoard('host-sim');
      const uid = (await infoOf(b.port)).uid;
      const masterKeyId = createHmac('sha256', master)
        .update('edgelock key id')
        .digest()
        .subarray(0, 8)
        .toString('hex');
      // station line-1 holds the claim, as it does between its claim and its written row
      const other = await FactoryDb.open(db);
      try {
        expect(
          await other.claim({
            masterKeyId,
            uid,
            runId: 'run-line-1',
            station: 'line-1',
            operator: 'op-line-1',
            port: b.port,
          }),
        ).toEqual({ ok: true });
        const provisionOnLine2 = () =>
          runCli(['provision', '--port', b.port, '--master-key', keyFile, '--db', db, '--station', 'line-2', '--yes']);
        const r = provisionOnLine2();
        expect(r.status).toBe(1);
        expect(r.stdout).toMatch(
          new RegExp(`${b.port}: FAILED E_FACTORY_CLAIMED: uid ${uid} is being provisioned by station line-1`),
        );
        expect((await infoOf(b.port)).keyProvisioned).toBe(false);
        await other.finishClaim(masterKeyId, uid, 'run-line-1', 'released');
        const again = provisionOnLine2();
        expect(again.status).toBe(0);
        expect((await withDevice(b.port, (c) => c.keyCheck(0))).equals(kcv(deviceKey(uid)))).toBe(true);
        expect(await other.claimOf(masterKeyId, uid)).toMatchObject({ state: 'done', station: 'line-2' });
      } finally {
        await other.close();
      }
    },
    60000,
  );

  test(
    'PostgreSQL restarted while two stations are mid-run: both retry with backoff and finish; every board ' +
      'written once, no event lost or doubled',
    async () => {
      const db = await pg.createDatabase('restart');
      const boards = await Promise.all(Array.from({ length: 8 }, () => startTestBoard('host-sim')));
      const stations = [
        station(
          'line-1',
          boards.slice(0, 4).map((b) => b.port),
          db,
        ),
        station(
          'line-2',
          boards.slice(4).map((b) => b.port),
          db,
        ),
      ];
      // freeze each station right after its first event (its database connection is open, its boards not done),
      // stop the server (every session is terminated), let the stations go on against the stopped server for a
      // second, then start it again
      await Promise.all(
        stations.map(async (s) => {
          await s.firstEvent;
          s.child.kill('SIGSTOP');
        }),
      );
      pg.stopServer('fast');
      for (const s of stations) s.child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 1000));
      await pg.startServer();
      const [r1, r2] = await Promise.all(stations.map((s) => s.done));
      expect([r1.status, r2.status]).toEqual([0, 0]);
      expect(r1.stderr + r2.stderr).toMatch(/warning: the factory database did not answer .*retrying/);
      expect(r1.stderr + r2.stderr).not.toMatch(/Deprecation|\n\s+at /);
      const events = await query(db, 'SELECT * FROM events ORDER BY seq');
      for (const b of boards) {
        const uid = (await infoOf(b.port)).uid;
        expect((await withDevice(b.port, (c) => c.keyCheck(0))).equals(kcv(deviceKey(uid)))).toBe(true);
        // exactly one attempt and one written row per board: a retried insert was not stored twice
        expect(events.filter((e) => e.port === b.port).map((e) => e.outcome)).toEqual(['attempt', 'written']);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(events.every((e) => e.operator === `op-${e.station}`)).toBe(true);
      const claims = await query<{ state: string }>(db, 'SELECT state FROM claims');
      expect(claims.map((c) => c.state)).toEqual(Array(8).fill('done'));
      // the report reads it back
      const rep = runCli(['factory', 'report', '--db', db]);
      expect(rep.stdout).toContain('16 events: 8 attempt, 8 written');
    },
    180000,
  );

  test('no database at all (a closed port): the station stops with E_FACTORY_DB_UNREACHABLE and writes nothing', async () => {
    const b = await startTestBoard('host-sim');
    const url = `postgres://edgelock@127.0.0.1:${await freePort()}/factory`;
    const r = runCli(['provision', '--port', b.port, '--master-key', keyFile, '--db', url, '--db-retry', '1', '--yes']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/error E_FACTORY_DB_UNREACHABLE: .*did not answer for 1\.0 s/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await infoOf(b.port)).keyProvisioned).toBe(false);
  }, 60000);

  test(
    'the database gone mid-run: every board fails with E_FACTORY_DB_UNREACHABLE unless its attempt was ' +
      'recorded first; a later run completes them',
    async () => {
      const db = await pg.createDatabase('gone');
      const boards = await Promise.all(Array.from({ length: 4 }, () => startTestBoard('host-sim')));
      const s = station(
        'line-1',
        boards.map((b) => b.port),
        db,
        ['--db-retry', '2'],
      );
      await s.firstEvent;
      s.child.kill('SIGSTOP');
      pg.stopServer('fast'); // and it stays down
      s.child.kill('SIGCONT');
      const r = await s.done;
      expect(r.status).toBe(1);
      const failed = jsonLines(r.stdout).filter((l) => l.event === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) expect(f.error.code).toBe('E_FACTORY_DB_UNREACHABLE');
      await pg.startServer();
      const events = await query(db, 'SELECT * FROM events ORDER BY seq');
      for (const b of boards) {
        const info = await infoOf(b.port);
        // a board holds a key only if its attempt was recorded before the write
        if (info.keyProvisioned)
          expect(events.filter((e) => e.port === b.port && e.outcome === 'attempt')).toHaveLength(1);
      }
      // the server is back: provisioning again finishes every board, each written once in all
      const again = runCli([
        'provision',
        ...boards.flatMap((b) => ['--port', b.port]),
        '--master-key',
        keyFile,
        '--db',
        db,
        '--station',
        'line-1',
        '--yes',
        '--json',
      ]);
      expect(again.status).toBe(0);
      const all = await query(db, 'SELECT * FROM events ORDER BY seq');
      for (const b of boards) {
        const uid = (await infoOf(b.port)).uid;
        expect((await withDevice(b.port, (c) => c.keyCheck(0))).equals(kcv(deviceKey(uid)))).toBe(true);
        const mine = all.filter((e) => e.port === b.port).map((e) => e.outcome);
        expect(
          mine.filter((o) => o === 'written').length + mine.filter((o) => o === 'unchanged').length,
        ).toBeGreaterThanOrEqual(1);
        expect(mine.filter((o) => o === 'written').length).toBeLessThanOrEqual(1);
      }
    },
    180000,
  );
});
