import { PassThrough } from 'stream';
import { EdgelockError } from '../../src/errors';
import { BoardOutcome, OutputStreams, exitCodeFor, runOnBoards } from '../../src/factory/multi-board';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capture(tty = false): { streams: OutputStreams; out: () => string; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (tty) {
    err.isTTY = true;
    err.columns = 120;
    // readline's cursor helpers call these on a TTY stream
    Object.assign(err, {
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
    });
  }
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  return { streams: { out, err }, out: () => o, err: () => e };
}

describe('runOnBoards', () => {
  test('tasks run concurrently: every task starts before any finishes', async () => {
    const spans: Record<string, [number, number]> = {};
    const c = capture();
    const t0 = Date.now();
    const outcomes = await runOnBoards(
      ['a', 'b', 'c', 'd'],
      async (port) => {
        const start = Date.now();
        await sleep(200);
        spans[port] = [start, Date.now()];
        return port.toUpperCase();
      },
      { json: false, title: 'test', streams: c.streams, tty: false },
    );
    const elapsed = Date.now() - t0;
    const lastStart = Math.max(...Object.values(spans).map((s) => s[0]));
    const firstEnd = Math.min(...Object.values(spans).map((s) => s[1]));
    expect(lastStart).toBeLessThan(firstEnd);
    // four sequential 200 ms tasks would take 800 ms
    expect(elapsed).toBeLessThan(600);
    expect(outcomes.map((o) => o.result)).toEqual(['A', 'B', 'C', 'D']);
    expect(exitCodeFor(outcomes)).toBe(0);
  });

  test('one failing board does not stop the others; exit code 1', async () => {
    const c = capture();
    const finished: string[] = [];
    const outcomes = await runOnBoards(
      ['ok1', 'bad', 'ok2', 'crash'],
      async (port, emit) => {
        emit({ event: 'step', message: 'begin' });
        if (port === 'bad') throw new EdgelockError('E_DEVICE_KEY_CONFLICT', 'different key');
        if (port === 'crash') throw new TypeError('boom');
        await sleep(50); // the others are still running after the failures
        finished.push(port);
        return 1;
      },
      { json: false, title: 'test', streams: c.streams, tty: false },
    );
    expect(finished.sort()).toEqual(['ok1', 'ok2']);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
    expect(outcomes[1].error).toEqual({ code: 'E_DEVICE_KEY_CONFLICT', message: 'different key' });
    expect(outcomes[3].error!.code).toBe('E_INTERNAL');
    expect(exitCodeFor(outcomes)).toBe(1);
    expect(c.out()).toContain('bad: FAILED E_DEVICE_KEY_CONFLICT: different key');
    expect(c.out()).toContain('test: 2 of 4 boards succeeded, 2 failed');
    expect(c.out()).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  });

  test('--json: one parseable object per line per event, each with port and event, and a final result/failed', async () => {
    const c = capture();
    await runOnBoards(
      ['p0', 'p1'],
      async (port, emit) => {
        for (let i = 0; i <= 4; i++) {
          emit({ event: 'upload', done: i, total: 4 });
          await sleep(5);
        }
        if (port === 'p1') throw new EdgelockError('E_DEVICE_TIMEOUT', 'no answer');
        return { n: 4 };
      },
      { json: true, title: 'test', streams: c.streams },
    );
    const lines = c.out().trim().split('\n');
    const objs = lines.map((l) => JSON.parse(l));
    expect(objs).toHaveLength(12);
    for (const o of objs) {
      expect(typeof o.port).toBe('string');
      expect(typeof o.event).toBe('string');
    }
    expect(objs.filter((o) => o.port === 'p0' && o.event === 'upload').map((o) => o.done)).toEqual([0, 1, 2, 3, 4]);
    expect(objs.find((o) => o.port === 'p0' && o.event === 'result').result).toEqual({ n: 4 });
    expect(objs.find((o) => o.port === 'p1' && o.event === 'failed').error).toEqual({
      code: 'E_DEVICE_TIMEOUT',
      message: 'no answer',
    });
    // interleaved: the two boards' events alternate rather than one board's all coming first
    const firstP1 = objs.findIndex((o) => o.port === 'p1');
    const lastP0Upload = objs.map((o) => o.port === 'p0' && o.event === 'upload').lastIndexOf(true);
    expect(firstP1).toBeLessThan(lastP0Upload);
    expect(c.err()).toBe('');
  });

  test('plain lines when not a TTY: progress at quarters, not every event', async () => {
    const c = capture();
    await runOnBoards(
      ['x'],
      async (_port, emit) => {
        for (let i = 0; i <= 100; i++) emit({ event: 'upload', done: i, total: 100 });
        return 0;
      },
      { json: false, title: 'flash', streams: c.streams, tty: false, summary: () => 'flashed' },
    );
    const lines = c.out().trim().split('\n');
    expect(lines.filter((l) => l.startsWith('x: upload'))).toEqual([
      'x: upload 0/100 (0%)',
      'x: upload 25/100 (25%)',
      'x: upload 50/100 (50%)',
      'x: upload 75/100 (75%)',
      'x: upload 100/100 (100%)',
    ]);
    expect(lines).toContain('x: ok — flashed');
    expect(c.err()).toBe('');
  });

  test('on a terminal: one progress bar per board on stderr, final lines on stdout', async () => {
    const c = capture(true);
    const outcomes: BoardOutcome<number>[] = await runOnBoards(
      ['/dev/pts/91', '/dev/pts/92'],
      async (port, emit) => {
        for (let i = 1; i <= 3; i++) {
          emit({ event: 'upload', done: i, total: 3 });
          await sleep(20);
        }
        if (port.endsWith('92')) throw new EdgelockError('E_DEVICE_PORT', 'closed');
        return 3;
      },
      { json: false, title: 'flash', streams: c.streams, tty: true },
    );
    expect(exitCodeFor(outcomes)).toBe(1);
    expect(c.err()).toContain('/dev/pts/91');
    expect(c.err()).toContain('/dev/pts/92');
    expect(c.err()).toMatch(/100%/);
    expect(c.out()).toContain('/dev/pts/92: FAILED E_DEVICE_PORT: closed');
    expect(c.out()).toContain('/dev/pts/91: ok');
  });

  test('port lists: duplicates and empty lists are usage errors', async () => {
    await expect(runOnBoards(['a', 'a'], async () => 0, { json: true, title: 't' })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(runOnBoards([], async () => 0, { json: true, title: 't' })).rejects.toMatchObject({ code: 'E_USAGE' });
    expect(exitCodeFor([])).toBe(1);
  });
});
