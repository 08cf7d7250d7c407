import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A board started in the background, as recorded in the run directory. */
export interface RunningBoard {
  board: string;
  port: string;
  pid: number;
  stateDir: string;
  log: string;
  started: string;
  /** kernel start time of the process (Linux /proc), so a recycled pid is never taken for the board */
  procStart?: string;
}

/** One JSON file per running board; EDGELOCK_RUN_DIR overrides the location. */
export function runDir(): string {
  return process.env.EDGELOCK_RUN_DIR ?? path.join(os.tmpdir(), `edgelock-boards-${os.userInfo().uid}`);
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), where available. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function recordBoard(b: RunningBoard): void {
  fs.mkdirSync(runDir(), { recursive: true });
  const file = path.join(runDir(), `${b.pid}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(b, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

export function forgetBoard(pid: number): void {
  fs.rmSync(path.join(runDir(), `${pid}.json`), { force: true });
}

/** Running boards; entries of processes that have exited are removed. */
export function listBoards(): RunningBoard[] {
  let files: string[];
  try {
    files = fs.readdirSync(runDir()).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const out: RunningBoard[] = [];
  for (const f of files) {
    try {
      const b = JSON.parse(fs.readFileSync(path.join(runDir(), f), 'utf8')) as RunningBoard;
      if (isAlive(b.pid) && (!b.procStart || processStart(b.pid) === b.procStart)) out.push(b);
      else forgetBoard(b.pid);
    } catch {
      // a half-written or foreign file: ignore
    }
  }
  return out.sort((a, b) => a.started.localeCompare(b.started));
}
