/**
 * A fault-injecting proxy between the host and a board's serial port. socat creates a pseudo-terminal pair; the host
 * opens one end (hostPort), the proxy the other, and the proxy forwards bytes to and from the board's port while
 * dropping, corrupting, duplicating and delaying bytes, and replaying whole earlier frames, from a seeded PRNG.
 */
import { ChildProcess, spawn } from 'child_process';
import { DeviceClient } from '../../src/device/client';
import { ByteLink } from '../../src/device/link';
import { openSerialLink } from '../../src/device/serial-link';
import { rng as mulberry32 } from '../helpers/rng';

export interface Faults {
  /** per-byte probabilities */
  drop?: number;
  corrupt?: number;
  duplicate?: number;
  /** per-chunk probability of holding the direction back by up to delayMs */
  delay?: number;
  delayMs?: number;
  /** per-delimiter probability of sending the previous complete frame once more (host-to-board only) */
  replay?: number;
}

export interface FaultStats {
  bytes: number;
  dropped: number;
  corrupted: number;
  duplicated: number;
  delayed: number;
  replayed: number;
}

class Direction {
  private queue: Buffer[] = [];
  private until = 0;
  private timer?: NodeJS.Timeout;
  private frame: number[] = [];
  private lastFrame?: Buffer;

  constructor(
    private readonly out: ByteLink,
    private readonly faults: Faults,
    private readonly rnd: () => number,
    private readonly stats: FaultStats,
    private readonly replays: boolean,
  ) {}

  push(bytes: Buffer): void {
    const f = this.faults;
    const out: number[] = [];
    for (const b0 of bytes) {
      this.stats.bytes++;
      let b = b0;
      if (f.drop && this.rnd() < f.drop) {
        this.stats.dropped++;
      } else {
        if (f.corrupt && this.rnd() < f.corrupt) {
          b ^= 1 << Math.floor(this.rnd() * 8);
          this.stats.corrupted++;
        }
        out.push(b);
        if (f.duplicate && this.rnd() < f.duplicate) {
          out.push(b);
          this.stats.duplicated++;
        }
      }
      if (!this.replays) continue;
      this.frame.push(b0);
      if (b0 !== 0) continue;
      // after a frame's delimiter, sometimes send the previous complete frame again (as a duplicate frame)
      if (this.lastFrame && f.replay && this.rnd() < f.replay) {
        out.push(...this.lastFrame);
        this.stats.replayed++;
      }
      this.lastFrame = Buffer.from(this.frame);
      this.frame = [];
    }
    if (f.delay && this.rnd() < f.delay) {
      this.until = Math.max(this.until, Date.now() + this.rnd() * (f.delayMs ?? 20));
      this.stats.delayed++;
    }
    this.queue.push(Buffer.from(out));
    this.flush();
  }

  private flush(): void {
    if (this.timer) return;
    const wait = this.until - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      return;
    }
    const data = Buffer.concat(this.queue);
    this.queue = [];
    if (data.length) this.out.write(data).catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export interface FaultProxy {
  hostPort: string;
  stats: { toBoard: FaultStats; toHost: FaultStats };
  stop(): Promise<void>;
}

function socatPair(): Promise<{ proc: ChildProcess; ptys: [string, string] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ptys: string[] = [];
    let text = '';
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const found = [...text.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1]);
      if (found.length >= 2 && ptys.length === 0) {
        ptys.push(found[0], found[1]);
        resolve({ proc, ptys: [found[0], found[1]] });
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (ptys.length === 0) reject(new Error(`socat exited with ${code}: ${text}`));
    });
  });
}

export async function startFaultProxy(
  boardPort: string,
  toBoard: Faults,
  toHost: Faults,
  seed = 1,
): Promise<FaultProxy> {
  const { proc, ptys } = await socatPair();
  let inner: Awaited<ReturnType<typeof openSerialLink>> | undefined;
  let board: Awaited<ReturnType<typeof openSerialLink>>;
  try {
    inner = await openSerialLink(ptys[1]);
    board = await openSerialLink(boardPort);
  } catch (e) {
    // nothing left behind when a port cannot be opened (the caller may try again with a new pty pair)
    proc.kill();
    await inner?.close();
    throw e;
  }
  const rnd = mulberry32(seed);
  const stats = { toBoard: emptyStats(), toHost: emptyStats() };
  const down = new Direction(board, toBoard, rnd, stats.toBoard, true);
  const up = new Direction(inner, toHost, rnd, stats.toHost, false);
  const link = inner;
  link.onData((b) => down.push(b));
  board.onData((b) => up.push(b));
  return {
    hostPort: ptys[0],
    stats,
    stop: async () => {
      down.stop();
      up.stop();
      proc.kill();
      await link.close();
      await board.close();
    },
  };
}

function emptyStats(): FaultStats {
  return { bytes: 0, dropped: 0, corrupted: 0, duplicated: 0, delayed: 0, replayed: 0 };
}

/**
 * Starts the proxy and opens a client on its host end. Now and then (three fresh-clone runs, 2026-12-03 and -04, in
 * this file's users) a freshly made socat pty, or the board's pty reopened by the proxy, could not be opened:
 * serialport's flock on it failed with EWOULDBLOCK, i.e. another process of the suite held that pty node for a
 * moment (suspected: a test in the other worker reopening a stopped board's pty path whose number socat had just
 * reused). That is the test rig, not the link under test: a new proxy (a new pty pair, opened again) is tried, at
 * most twice more, and the refusal is logged. Any other error fails at once.
 */
export async function openClientThroughProxy(
  boardPort: string,
  toBoard: Faults,
  toHost: Faults,
  seed: number,
  client: { attempts: number; timeoutScale: number },
): Promise<{ proxy: FaultProxy; client: DeviceClient }> {
  return retryingPortLock('fault proxy', 'trying a new pty pair', async () => {
    let proxy: FaultProxy | undefined;
    try {
      proxy = await startFaultProxy(boardPort, toBoard, toHost, seed);
      return { proxy, client: await DeviceClient.open(proxy.hostPort, client) };
    } catch (e) {
      await proxy?.stop();
      throw e;
    }
  });
}

/**
 * Runs `open` (which leaves nothing open when it fails) up to three times while it fails with a pty lock refused
 * ("Cannot lock port", above), 250 ms apart, logging each refusal; any other error is thrown at once.
 */
export async function retryingPortLock<T>(what: string, then: string, open: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (e) {
      const msg = (e as Error).message;
      if (attempt >= 2 || !/Cannot lock port/.test(msg)) throw e;
      console.warn(`${what}: ${msg}; ${then}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
