/**
 * Provisioning on real firmware: host-sim boards and one QEMU board, through the built CLI (as a station runs it)
 * and the library (for the prompt and to read the database's WAL while it is open).
 * The CLI suite runs twice: on a SQLite file and on a real PostgreSQL server (test/helpers/postgres.ts), whose
 * dump and data files are searched for keys as the SQLite file and its WAL are. Each run has one QEMU board, one
 * per entry of QEMU_BOARDS (SQLite: the M4 qemu-mps2-an386; PostgreSQL: the M33 qemu-mps2-an505, whose key store is
 * in the TrustZone secure image): it is provisioned concurrently with a host-sim board and then refused a
 * conflicting key, so both boards' key stores are tested without running the whole suite twice per board.
 * Expected key-check values are computed here from RFC 5869 HKDF (node:crypto) and HMAC, independently
 * of src/keys.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'child_process';
import { createHmac, hkdfSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { RunningBoard } from '../../src/board';
import { withDevice } from '../../src/device';
import { FactoryDb } from '../../src/factory/db';
import { Client } from 'pg';
import { TestPostgres } from '../helpers/postgres';
import { exitCodeFor } from '../../src/factory/multi-board';
import { provision, typedConfirmation } from '../../src/factory/provision';
import { QEMU_BOARDS, freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { CLI, CliResult, jsonLines, runCli as runCliRaw } from '../helpers/cli';

const work = freshStateDir('provision-work');
const keyA = path.join(work, 'a.key');
const keyB = path.join(work, 'b.key');
let masterA: Buffer;
let masterB: Buffer;

/** RFC 5869 HKDF-SHA256 with the device-key label of docs/security.md. */
const deviceKey = (master: Buffer, uid: string) =>
  Buffer.from(hkdfSync('sha256', master, Buffer.from(uid, 'hex'), Buffer.from('edgelock device key v1'), 32));
const kcv = (key: Buffer) => createHmac('sha256', key).update('check').digest();
const uidOf = (port: string) => withDevice(port, async (c) => (await c.info()).uid);
const deviceKcv = (port: string) => withDevice(port, (c) => c.keyCheck(0));
const provisioned = (port: string) => withDevice(port, async (c) => (await c.info()).keyProvisioned);

type EventRow = {
  outcome: string;
  port: string;
  uid: string | null;
  error_code: string | null;
  run_id: string;
  key_id: string | null;
  station: string;
  operator: string;
  firmware_version: string | null;
};
/** The events as the database holds them, read on a plain connection (not through FactoryDb). */
async function rows(db: string): Promise<EventRow[]> {
  if (db.startsWith('postgres://')) {
    const c = new Client({ connectionString: db });
    await c.connect();
    try {
      return (await c.query('SELECT * FROM events ORDER BY seq')).rows;
    } finally {
      await c.end();
    }
  }
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[];
  } finally {
    d.close();
  }
}

/** Every way a key could be spelled in a file: raw bytes, hex, HEX, base64, base64url. */
function findKey(bytes: Buffer, key: Buffer): string | undefined {
  const forms: [string, Buffer][] = [
    ['raw', key],
    ['hex', Buffer.from(key.toString('hex'), 'latin1')],
    ['HEX', Buffer.from(key.toString('hex').toUpperCase(), 'latin1')],
    ['base64', Buffer.from(key.toString('base64'), 'latin1')],
    ['base64url', Buffer.from(key.toString('base64url'), 'latin1')],
  ];
  return forms.find(([, f]) => bytes.indexOf(f) >= 0)?.[0];
}

/** Runs the CLI on a pseudo-terminal (Python's pty module) and types `answer` when the prompt appears. */
const PTY_DRIVER = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, sent, deadline = b'', False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b'to continue: ' in out:
        os.write(fd, os.environ['ANSWER'].encode() + b'\\n')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
`;
function onTerminal(args: string[], answer: string): { status: number; output: string } {
  const r = spawnSync('/usr/bin/python3', ['-c', PTY_DRIVER, process.execPath, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ANSWER: answer },
    timeout: 90000,
  });
  printed.push(r.stdout);
  return { status: r.status ?? -1, output: r.stdout };
}

/** Everything the CLI printed in this file, searched for keys at the end. */
const printed: string[] = [];
function runCli(args: string[], opts?: Parameters<typeof runCliRaw>[1]): CliResult {
  const r = runCliRaw(args, opts);
  printed.push(r.stdout, r.stderr);
  return r;
}

/** Fresh boards: q (a QEMU board) and h1..h6 (host-sim). */
async function startBoards(qemu: string): Promise<Record<string, RunningBoard>> {
  // h1 first: on a fresh clone its start builds host-sim synchronously, which would eat into the QEMU board's start
  // timeout if both started together
  const h1 = await startTestBoard('host-sim');
  const started = await Promise.all([
    startTestBoard(qemu),
    ...['h2', 'h3', 'h4', 'h5', 'h6'].map(() => startTestBoard('host-sim')),
  ]);
  const b: Record<string, RunningBoard> = { h1 };
  ['q', 'h2', 'h3', 'h4', 'h5', 'h6'].forEach((name, i) => (b[name] = started[i]));
  return b;
}

let boards: Record<string, RunningBoard> = {};
let pg: TestPostgres;

beforeAll(async () => {
  for (const [k, file] of [
    ['a', keyA],
    ['b', keyB],
  ] as const) {
    expect(runCli(['keygen', '-o', file]).status).toBe(0);
    if (k === 'a') masterA = fs.readFileSync(file);
    else masterB = fs.readFileSync(file);
  }
  pg = await TestPostgres.start();
}, 180000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  pg?.destroy();
});

describe.each([
  ['sqlite', QEMU_BOARDS[0]],
  ['postgres', QEMU_BOARDS[1]],
] as const)('edgelock provision (factory database on %s, QEMU board %s)', (backend, qemuBoard) => {
  let db = path.join(work, 'factory.db');
  let ownBoards: Record<string, RunningBoard>;
  beforeAll(async () => {
    if (backend === 'postgres') db = await pg.createDatabase('provision');
    ownBoards = await startBoards(qemuBoard);
  }, 180000);
  beforeEach(() => {
    boards = ownBoards;
  });

  test('two boards provisioned concurrently (QEMU + host-sim): written, verified by key-check value, one row per event', async () => {
    const q = boards.q.port;
    const h = boards.h1.port;
    const r = runCli([
      'provision',
      '--port',
      q,
      '--port',
      h,
      '--master-key',
      keyA,
      '--db',
      db,
      '--station',
      'line-1',
      '--operator',
      'alice',
      '--yes',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout);
    for (const l of lines) {
      expect([q, h]).toContain(l.port);
      expect(typeof l.event).toBe('string');
    }
    // concurrency: both boards were connected before either finished
    const firstResult = lines.findIndex((l) => l.event === 'result');
    expect(
      lines
        .slice(0, firstResult)
        .filter((l) => l.event === 'connect')
        .map((l) => l.port)
        .sort(),
    ).toEqual([q, h].sort());
    const results = lines.filter((l) => l.event === 'result');
    expect(results).toHaveLength(2);
    for (const port of [q, h]) {
      const uid = await uidOf(port);
      const res = results.find((l) => l.port === port)!.result;
      expect(res).toMatchObject({ outcome: 'written', uid, board: port === q ? qemuBoard : 'host-sim' });
      // the device now answers the key-check value of the device key derived independently here
      expect((await deviceKcv(port)).equals(kcv(deviceKey(masterA, uid)))).toBe(true);
      expect(res.keyId).toBe(
        createHmac('sha256', deviceKey(masterA, uid)).update('edgelock key id').digest().subarray(0, 8).toString('hex'),
      );
    }
    const ev = await rows(db);
    expect(ev).toHaveLength(4);
    for (const port of [q, h]) {
      const mine = ev.filter((e) => e.port === port);
      expect(mine.map((e) => e.outcome)).toEqual(['attempt', 'written']);
      expect(mine[1]).toMatchObject({
        station: 'line-1',
        operator: 'alice',
        uid: results.find((l) => l.port === port)!.result.uid,
        key_id: results.find((l) => l.port === port)!.result.keyId,
      });
      expect(mine[1].firmware_version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(new Set(ev.map((e) => e.run_id)).size).toBe(1);
  }, 120000);

  test('the same key again is a no-op reported as such', async () => {
    const before = (await rows(db)).length;
    const r = runCli([
      'provision',
      '--port',
      boards.h1.port,
      '--master-key',
      keyA,
      '--db',
      db,
      '--station',
      'line-1',
      '--yes',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${boards.h1.port}: ok — already provisioned (no-op)`);
    const ev = (await rows(db)).slice(before);
    expect(ev.map((e) => e.outcome)).toEqual(['unchanged']);
  }, 60000);

  test(
    'a different master key on a provisioned board (the QEMU one): refused, recorded, key unchanged; the ' +
      'other board still succeeds; exit code 1',
    async () => {
      const taken = boards.q.port;
      const fresh = boards.h2.port;
      const uid = await uidOf(taken);
      const before = (await rows(db)).length;
      const r = runCli([
        'provision',
        '--port',
        taken,
        '--port',
        fresh,
        '--master-key',
        keyB,
        '--db',
        db,
        '--station',
        'line-2',
        '--yes',
      ]);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`${taken}: FAILED E_DEVICE_KEY_CONFLICT`);
      expect(r.stdout).toContain(`${fresh}: ok — written and verified`);
      expect(r.stdout).not.toMatch(/\n\s+at /); // no stack trace
      expect((await deviceKcv(taken)).equals(kcv(deviceKey(masterA, uid)))).toBe(true);
      expect((await deviceKcv(fresh)).equals(kcv(deviceKey(masterB, await uidOf(fresh))))).toBe(true);
      const ev = (await rows(db)).slice(before);
      expect(ev.filter((e) => e.port === taken).map((e) => [e.outcome, e.error_code])).toEqual([
        ['refused-conflict', 'E_DEVICE_KEY_CONFLICT'],
      ]);
      expect(ev.filter((e) => e.port === fresh).map((e) => e.outcome)).toEqual(['attempt', 'written']);
    },
    60000,
  );

  test('a port with no board fails and is recorded; the others are unaffected', async () => {
    const before = (await rows(db)).length;
    const missing = path.join(work, 'no-such-port');
    const r = runCli([
      'provision',
      '--port',
      missing,
      '--port',
      boards.h1.port,
      '--master-key',
      keyA,
      '--db',
      db,
      '--yes',
      '--json',
    ]);
    expect(r.status).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l.port === missing && l.event === 'failed')!.error.code).toBe('E_DEVICE_PORT');
    expect(lines.find((l) => l.port === boards.h1.port && l.event === 'result')!.result.outcome).toBe('unchanged');
    const ev = (await rows(db)).slice(before);
    expect(ev.find((e) => e.port === missing)).toMatchObject({
      outcome: 'failed',
      error_code: 'E_DEVICE_PORT',
      uid: null,
    });
  }, 60000);

  test('--dry-run shows what would be written, records it, and writes nothing', async () => {
    const port = boards.h3.port;
    const uid = await uidOf(port);
    const before = (await rows(db)).length;
    const r = runCli(['provision', '--port', port, '--master-key', keyA, '--db', db, '--dry-run', '--json']);
    expect(r.status).toBe(0);
    const res = jsonLines(r.stdout).find((l) => l.event === 'result')!.result;
    expect(res).toMatchObject({ outcome: 'dry-run', wouldWrite: true, uid, state: 'empty' });
    expect(await provisioned(port)).toBe(false);
    const ev = (await rows(db)).slice(before);
    expect(ev.map((e) => e.outcome)).toEqual(['dry-run']);
    const text = runCli(['provision', '--port', port, '--master-key', keyA, '--db', db, '--dry-run']);
    expect(text.stdout).toContain('dry run: would write');
    expect(await provisioned(port)).toBe(false);
  }, 60000);

  test('without a terminal and without --yes: a usage error, nothing written or recorded', async () => {
    const port = boards.h3.port;
    const before = (await rows(db)).length;
    const r = runCli(['provision', '--port', port, '--master-key', keyA, '--db', db], { input: `provision 1\n` });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error E_USAGE: .*--yes/);
    expect(await provisioned(port)).toBe(false);
    expect((await rows(db)).length).toBe(before);
  }, 60000);

  test('on a real terminal: the typed confirmation lists the board; a wrong phrase declines, the right one writes', async () => {
    const port = boards.h6.port;
    const uid = await uidOf(port);
    const declined = onTerminal(
      ['provision', '--port', port, '--master-key', keyA, '--db', db, '--station', 'tty'],
      'provision 2',
    );
    expect(declined.status).toBe(1);
    expect(declined.output).toContain(uid);
    expect(declined.output).toContain('Type "provision 1" to continue');
    expect(declined.output).toMatch(/error E_CONFIRM_DECLINED/);
    expect(await provisioned(port)).toBe(false);
    const before = (await rows(db)).length;
    const ok = onTerminal(
      ['provision', '--port', port, '--master-key', keyA, '--db', db, '--station', 'tty'],
      'provision 1',
    );
    expect(ok.status).toBe(0);
    expect(ok.output).toContain(`${port}: ok — written and verified`);
    expect(ok.output).toMatch(/100%/); // the progress bar drawn on the terminal
    expect((await deviceKcv(port)).equals(kcv(deviceKey(masterA, uid)))).toBe(true);
    expect((await rows(db)).slice(before).map((e) => [e.outcome, e.station])).toEqual([
      ['attempt', 'tty'],
      ['written', 'tty'],
    ]);
  }, 60000);

  test('factory report prints the log as a table, and as a JSON array of every row; factory export gives CSV and JSON', async () => {
    const all = await rows(db);
    const j = runCli(['factory', 'report', '--db', db, '--json']);
    expect(j.status).toBe(0);
    const events = JSON.parse(j.stdout);
    expect(events).toHaveLength(all.length);
    expect(events.map((e: { outcome: string }) => e.outcome)).toEqual(all.map((e) => e.outcome));
    const t = runCli(['factory', 'report', '--db', db]);
    expect(t.status).toBe(0);
    expect(t.stdout.split('\n')[0]).toMatch(
      /^time\s+station\s+command\s+port\s+unique id\s+device key id\s+firmware\s+outcome\s+error$/,
    );
    expect(t.stdout).toContain('refused-conflict');
    expect(t.stdout).toContain(`${all.length} events:`);
    expect(runCli(['factory', 'report', '--db', path.join(work, 'none.db')]).stderr).toMatch(/^error E_FILE_NOT_FOUND/);
    // EDGELOCK_DB names the database when --db is absent
    const viaEnv = runCli(['factory', 'report', '--json'], { env: { EDGELOCK_DB: db } });
    expect(JSON.parse(viaEnv.stdout).map((e: { id: string }) => e.id)).toEqual(events.map((e: { id: string }) => e.id));
    // export: JSON objects with the same ids and outcomes; CSV with a header and one line per event
    const ej = runCli(['factory', 'export', '--db', db, '--format', 'json']);
    expect(ej.status).toBe(0);
    const exported = JSON.parse(ej.stdout);
    expect(exported.map((e: { id: string; outcome: string; operator: string }) => [e.id, e.outcome])).toEqual(
      all.map((e: any) => [e.id, e.outcome]),
    );
    expect(
      exported.every(
        (e: { operator: string; station: string; time: string; recordedAt: string }) =>
          e.operator && e.station && e.time && e.recordedAt,
      ),
    ).toBe(true);
    const csvFile = path.join(work, `export-${backend}.csv`);
    const ec = runCli(['factory', 'export', '--db', db, '--format', 'csv', '-o', csvFile]);
    expect(ec.status).toBe(0);
    const lines = fs.readFileSync(csvFile, 'utf8').split('\r\n').filter(Boolean);
    expect(lines[0].split(',').slice(0, 4)).toEqual(['seq', 'id', 'time', 'recordedAt']);
    expect(lines.length).toBeGreaterThanOrEqual(all.length + 1); // messages may hold quoted line breaks
    expect(lines.filter((l) => /^\d+,[0-9a-f-]{36},/.test(l)).map((l) => l.split(',')[1])).toEqual(
      all.map((e: any) => e.id),
    );
    expect(runCli(['factory', 'export', '--db', db, '--format', 'xml']).stderr).toMatch(/^error E_USAGE/);
  });

  test('nothing the CLI printed holds key material', async () => {
    const text = Buffer.from(printed.join('\n'), 'utf8');
    expect(text.indexOf(Buffer.from('device key id'))).toBeGreaterThanOrEqual(0);
    const uids = await Promise.all(['q', 'h1', 'h2', 'h3', 'h6'].map((b) => uidOf(boards[b].port)));
    for (const master of [masterA, masterB]) {
      expect(findKey(text, master)).toBeUndefined();
      for (const uid of uids) expect(findKey(text, deviceKey(master, uid))).toBeUndefined();
    }
  }, 60000);

  test('the database holds no key material (raw, hex, HEX, base64), only key ids: the SQLite file and WAL, or the PostgreSQL dump and data files', async () => {
    const bytes =
      backend === 'sqlite'
        ? Buffer.concat([
            fs.readFileSync(db),
            ...['-wal', '-shm'].filter((s) => fs.existsSync(db + s)).map((s) => fs.readFileSync(db + s)),
          ])
        : Buffer.concat([pg.dump(db), pg.rawFiles()]);
    const uids = await Promise.all(['q', 'h1', 'h2', 'h3'].map((b) => uidOf(boards[b].port)));
    // the search does find what is there
    expect(bytes.indexOf(Buffer.from(uids[0], 'latin1'))).toBeGreaterThanOrEqual(0);
    for (const master of [masterA, masterB]) {
      expect(findKey(bytes, master)).toBeUndefined();
      for (const uid of uids) expect(findKey(bytes, deviceKey(master, uid))).toBeUndefined();
    }
  }, 60000);
});

describe('provision (library): the typed confirmation, and the WAL while the database is open', () => {
  test('a wrong phrase writes nothing; the right phrase writes the confirmed board; WAL holds rows but no key', async () => {
    const port = boards.h4.port;
    const file = path.join(work, 'confirm.db');
    const db = await FactoryDb.open(file);
    const out = new PassThrough();
    let prompt = '';
    out.on('data', (d) => (prompt += d));
    const quiet = { out: new PassThrough(), err: new PassThrough() };
    try {
      const wrong = new PassThrough();
      wrong.end('yes\n');
      await expect(
        provision({
          ports: [port],
          master: masterA,
          db,
          station: 's',
          confirm: typedConfirmation(wrong, out),
          streams: quiet,
          tty: false,
        }),
      ).rejects.toMatchObject({ code: 'E_CONFIRM_DECLINED' });
      const uid = await uidOf(port);
      expect(prompt).toContain(port);
      expect(prompt).toContain(uid);
      expect(prompt).toContain(
        createHmac('sha256', deviceKey(masterA, uid)).update('edgelock key id').digest().subarray(0, 8).toString('hex'),
      );
      expect(prompt).toContain('Type "provision 1" to continue');
      expect(await provisioned(port)).toBe(false);
      expect(await db.events()).toHaveLength(0);

      const eof = new PassThrough();
      eof.end();
      await expect(
        provision({
          ports: [port],
          master: masterA,
          db,
          station: 's',
          confirm: typedConfirmation(eof, new PassThrough()),
          streams: quiet,
          tty: false,
        }),
      ).rejects.toMatchObject({ code: 'E_CONFIRM_DECLINED' });

      const right = new PassThrough();
      right.end('provision 1\n');
      const outcomes = await provision({
        ports: [port],
        master: masterA,
        db,
        station: 's',
        confirm: typedConfirmation(right, new PassThrough()),
        streams: quiet,
        tty: false,
      });
      expect(exitCodeFor(outcomes)).toBe(0);
      expect(outcomes[0].result!.outcome).toBe('written');
      expect((await deviceKcv(port)).equals(kcv(deviceKey(masterA, uid)))).toBe(true);

      // while the connection is open the rows live in the -wal file: search it too
      const wal = fs.readFileSync(file + '-wal');
      expect(wal.indexOf(Buffer.from(uid, 'latin1'))).toBeGreaterThanOrEqual(0);
      const all = Buffer.concat([fs.readFileSync(file), wal]);
      expect(findKey(all, masterA)).toBeUndefined();
      expect(findKey(all, deviceKey(masterA, uid))).toBeUndefined();
    } finally {
      await db.close();
    }
  }, 60000);

  test('a board swapped after the confirmation is not written', async () => {
    const [p1, p2] = [boards.h5.port, boards.h3.port];
    const db = await FactoryDb.open(path.join(work, 'swap.db'));
    try {
      // the confirmed plan had p1 with its uid and, on p2, a board with another uid: p2's board was swapped
      const { provisionBoard } = await import('../../src/factory/provision');
      const uid1 = await uidOf(p1);
      const ctx = {
        master: masterA,
        db,
        station: 's',
        operator: 'op',
        runId: 'r',
        dryRun: false,
        confirmed: new Map([
          [p1, uid1],
          [p2, 'ffff'],
        ]),
      };
      await expect(provisionBoard(p2, () => undefined, ctx)).rejects.toMatchObject({ code: 'E_PROVISION_UNCONFIRMED' });
      expect(await provisioned(p2)).toBe(false);
      expect((await db.events()).map((e) => [e.port, e.outcome, e.errorCode])).toEqual([
        [p2, 'failed', 'E_PROVISION_UNCONFIRMED'],
      ]);
      expect((await provisionBoard(p1, () => undefined, ctx)).outcome).toBe('written');
    } finally {
      await db.close();
    }
  }, 60000);

  test('a locked database stops provisioning before any key is written (E_FACTORY_DB_BUSY)', async () => {
    const port = boards.h3.port;
    const file = path.join(work, 'busy.db');
    const db = await FactoryDb.open(file, { busyTimeoutMs: 100 });
    const other = new Database(file);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const outcomes = await provision({
        ports: [port],
        master: masterA,
        db,
        station: 's',
        yes: true,
        streams: { out: new PassThrough(), err: new PassThrough() },
        tty: false,
      });
      expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'E_FACTORY_DB_BUSY' } });
      expect(await provisioned(port)).toBe(false);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await db.close();
    }
  }, 60000);
});
