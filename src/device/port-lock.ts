/**
 * One process per board: an edgelock process that opens a serial port first takes a lock file keyed by the
 * port's resolved device path (symbolic links such as /dev/serial/by-id/... resolve to the same key), holding its
 * pid and the device node's change time (a pseudo-terminal number is reused by the next emulated board: a new pty is
 * a new node with a new ctime). A second process finds a live pid for the same node there and is refused
 * (E_DEVICE_PORT_BUSY) before it sends a byte; a lock left by a process that died, or for a device node that has
 * since been replaced, is taken over. The serial port is also opened with serialport's `lock` (TIOCEXCL
 * on POSIX), which keeps out non-edgelock programs run by other users (root is exempt from TIOCEXCL, hence the
 * lock file). Within one process the lock is re-entrant (a reconnect reopens the port it already holds).
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EdgelockError } from '../errors';

export function lockDir(): string {
  return process.env.EDGELOCK_LOCK_DIR ?? join(tmpdir(), 'edgelock-port-locks');
}

export function lockFileFor(port: string): string {
  let resolved = port;
  try {
    resolved = realpathSync(port);
  } catch {
    /* a port that does not exist fails at open with its own error */
  }
  return join(lockDir(), `${resolved.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Map<string, number>();
let exitHook = false;

function ownerOf(file: string): number | undefined {
  return readLock(file)?.pid;
}

function readLock(file: string): { pid: number; node: string } | undefined {
  try {
    const [pid, node] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, node: node ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** The identity of the device node now: its change time (a reallocated pty is a new node). */
function nodeIdentity(port: string): string {
  try {
    return String(statSync(port).ctimeMs);
  } catch {
    return '';
  }
}

function tryLink(file: string, node: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${process.pid} ${node}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Takes the lock for `port`; returns the function that releases it. */
export function acquirePortLock(port: string): () => void {
  const file = lockFileFor(port);
  const count = held.get(file);
  if (count !== undefined) {
    held.set(file, count + 1);
    return once(() => release(file));
  }
  try {
    mkdirSync(lockDir(), { recursive: true, mode: 0o1777 });
  } catch (e) {
    throw new EdgelockError(
      'E_DEVICE_PORT',
      `cannot create the port lock directory ${lockDir()}: ${(e as Error).message}`,
    );
  }
  const node = nodeIdentity(port);
  for (let attempt = 0; ; attempt++) {
    if (tryLink(file, node)) break;
    const owner = readLock(file);
    const pid = owner?.pid;
    if (owner && pid !== process.pid && alive(owner.pid) && owner.node === node) {
      throw new EdgelockError(
        'E_DEVICE_PORT_BUSY',
        `${port} is in use by another edgelock process (pid ${pid}); nothing was sent`,
      );
    }
    if (attempt >= 2) throw new EdgelockError('E_DEVICE_PORT_BUSY', `${port}: its lock ${file} could not be taken`);
    try {
      unlinkSync(file); // stale: its process is gone
    } catch {
      /* someone else removed it first */
    }
  }
  held.set(file, 1);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const f of held.keys()) removeIfOurs(f);
    });
  }
  return once(() => release(file));
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

function removeIfOurs(file: string): void {
  if (ownerOf(file) !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

function release(file: string): void {
  const n = held.get(file);
  if (n === undefined) return;
  if (n > 1) {
    held.set(file, n - 1);
    return;
  }
  held.delete(file);
  removeIfOurs(file);
}
