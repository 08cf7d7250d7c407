import { runCommandsInProcess } from '../helpers/cli';
import { register as registerBoard } from '../../src/cli/commands/board';
import { register as registerDevice } from '../../src/cli/commands/device';
import { freshStateDir, removeRunRoot, stopAllBoards } from './helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

/** Runs `edgelock <args>` against the board/device command handlers and returns what they printed. */
function run(args: string[]): Promise<string> {
  return runCommandsInProcess([registerBoard, registerDevice], args);
}

test('board start / device info / board list / board stop (host-sim, --json)', async () => {
  const state = freshStateDir('cli');
  const started = JSON.parse(await run(['board', 'start', '--board', 'host-sim', '--state', state, '--json']));
  expect(started).toMatchObject({
    board: 'host-sim',
    port: expect.stringMatching(/^\/dev\//),
    pid: expect.any(Number),
  });
  const info = JSON.parse(await run(['device', 'info', '--port', started.port, '--json']));
  expect(info).toMatchObject({ board: 'host-sim', keyProvisioned: false });
  expect(info.uid).toMatch(/^[0-9a-f]{32}$/);
  const text = await run(['device', 'info', '--port', started.port]);
  expect(text).toContain(`unique id         ${info.uid}`);
  expect(info.firmware).toEqual({ flavour: 'default', devUpload: false });
  expect(text).toContain('flavour default (production)');
  const list = JSON.parse(await run(['board', 'list', '--json']));
  expect(list.map((b: { pid: number }) => b.pid)).toContain(started.pid);
  const stopped = JSON.parse(await run(['board', 'stop', started.port, '--json']));
  expect(stopped).toMatchObject({ pid: started.pid, stopped: true });
  await expect(run(['board', 'stop', String(started.pid)])).rejects.toMatchObject({ code: 'E_BOARD_NOT_RUNNING' });
});

test("board start --flavour runs the flavour's own firmware build; an unknown flavour is a usage error", async () => {
  const started = JSON.parse(
    await run([
      'board',
      'start',
      '--board',
      'host-sim',
      '--flavour',
      'single-rounding',
      '--state',
      freshStateDir('flavour'),
      '--json',
    ]),
  );
  const { readFileSync } = await import('fs');
  const cmdline = readFileSync(`/proc/${started.pid}/cmdline`, 'utf8');
  expect(cmdline).toContain('build/host-sim-single-rounding/');
  await run(['board', 'stop', started.port]);
  await expect(
    run(['board', 'start', '--board', 'host-sim', '--flavour', 'nope', '--state', freshStateDir('flavour2')]),
  ).rejects.toMatchObject({ code: 'E_USAGE' });
  // dev combines with a rounding flavour: its own build, reported by the board itself
  const dev = JSON.parse(
    await run([
      'board',
      'start',
      '--board',
      'host-sim',
      '--flavour',
      'single-rounding,dev',
      '--state',
      freshStateDir('flavour3'),
      '--json',
    ]),
  );
  expect(dev.flavour).toBe('single-rounding+dev');
  expect(readFileSync(`/proc/${dev.pid}/cmdline`, 'utf8')).toContain('build/host-sim-single-rounding+dev/');
  expect(JSON.parse(await run(['device', 'info', '--port', dev.port, '--json'])).firmware).toEqual({
    flavour: 'single-rounding+dev',
    devUpload: true,
  });
  expect(await run(['device', 'info', '--port', dev.port])).toMatch(
    /flavour single-rounding\+dev \(development: accepts unauthenticated uploads\)/,
  );
  await run(['board', 'stop', dev.port]);
});
