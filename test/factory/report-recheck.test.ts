/**
 * `factory report` after a station died mid-write (issue 11): the station left an `attempt` row with no result; the
 * board is provisioned again (a new run, here on another port, as after a restart) and that re-check reads its key
 * store. The report must then no longer flag the attempt as unfinished — and must keep flagging an attempt no
 * re-check of its board settled. Real `provision` against a host-sim board; the crashed station's row is what
 * FactoryDb.record writes for an attempt.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FactoryDb } from '../../src/factory/db';
import { runCli } from '../helpers/cli';
import { freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

test("a successful re-check of the board settles its unfinished attempt; another board's stays flagged", async () => {
  const work = freshStateDir('recheck');
  const dbFile = path.join(work, 'factory.db');
  const keyFile = path.join(work, 'master.key');
  expect(runCli(['keygen', '-o', keyFile]).status).toBe(0);
  const board = await startTestBoard('host-sim');
  const info = JSON.parse(runCli(['device', 'info', '--port', board.port, '--json']).stdout);

  const db = await FactoryDb.open(dbFile);
  const crashed = {
    runId: 'crashed-run',
    station: 'st-1',
    operator: 'op-1',
    command: 'provision',
    outcome: 'attempt' as const,
    board: 'host-sim',
    keyId: '0011223344556677',
    masterKeyId: '8899aabbccddeeff',
  };
  await db.record({ ...crashed, port: '/dev/pts/old', uid: info.uid });
  await db.record({ ...crashed, port: '/dev/pts/other', uid: 'ff'.repeat(16) });
  await db.close();
  const before = runCli(['factory', 'report', '--db', dbFile]).stdout;
  expect(before.match(/unfinished attempt/g)).toHaveLength(2);

  const p = runCli(['provision', '--port', board.port, '--master-key', keyFile, '--db', dbFile, '--yes', '--json']);
  expect(p.status).toBe(0);
  const after = runCli(['factory', 'report', '--db', dbFile]).stdout;
  expect(after).toMatch(/\d+ written/);
  const flagged = after.split('\n').filter((l) => l.startsWith('unfinished attempt'));
  expect(flagged).toHaveLength(1);
  expect(flagged[0]).toContain(`on /dev/pts/other (uid ${'ff'.repeat(16)})`);
  expect(fs.existsSync(dbFile)).toBe(true);
});
