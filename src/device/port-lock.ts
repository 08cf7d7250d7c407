/**
 * One process per board: an edgelock process that opens a serial port first takes a lock file keyed by the
 * port's resolved device path (symbolic links such as /dev/serial/by-id/... resolve to the same key), holding its
 * pid. A second process finds a live pid there and is refused (E_DEVICE_PORT_BUSY) before it sends a byte; a lock
 * left by a process that died is taken over. The serial port is also opened with serialport's `lock` (TIOCEXCL
 * on POSIX), which keeps out non-edgelock programs run by other users (root is exempt from TIOCEXCL, hence the
 * lock file). Within one process the lock is re-entrant (a reconnect reopens the port it already holds).
 */
import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, unlinkSync, writeSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EdgelockError } from '../errors';

export function lockDir(): string {
  return process.env.EDGELOCK_LOCK_DIR ?? join(tmpdir(), 'edgelock-port-locks');
}

function resolvedPath(port: string): string {
  try {
    return realpathSync(port);
  } catch {
    return port; // a port that does not exist fails at open with its own error
  }
}

export function lockFileFor(port: string): string {
  const resolved = resolvedPath(port);
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

/**
 * Whether process `pid` still has `device` open (Linux /proc; elsewhere assumed yes). A live process whose lock
 * is older than a few seconds and that no longer holds the device left the lock behind (a port closed without
 * release, then its pseudo-terminal number reused by another board): the lock is stale.
 */
function holdsDevice(pid: number, device: string, file: string): boolean {
  let fds: string[];
  try {
    if (Date.now() - statSync(file).mtimeMs < 5000) return true;
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === device) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

const held = new Map<string, number>();
let exitHook = false;

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryLink(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
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
    throw new EdgelockError('E_DEVICE_PORT', `cannot create the port lock directory ${lockDir()}: ${(e as Error).message}`);
  }
  for (let attempt = 0; ; attempt++) {
    if (tryLink(file)) break;
    const pid = ownerOf(file);
    if (pid !== undefined && pid !== process.pid && alive(pid) && holdsDevice(pid, resolvedPath(port), file)) {
      throw new EdgelockError('E_DEVICE_PORT_BUSY', `${port} is in use by another edgelock process (pid ${pid}); nothing was sent`);
    }
    if (attempt >= 2) throw new EdgelockError('E_DEVICE_PORT_BUSY', `${port}: its lock ${file} could not be taken`);
    try {
      unlinkSync(file); // stale: its process is gone, or no longer has the port open
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
