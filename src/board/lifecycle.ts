import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EdgelockError } from '../errors';
import { boardByName, ensureBuilt } from './build';
import { RunningBoard, forgetBoard, isAlive, listBoards, processStart, recordBoard, runDir } from './registry';

export interface StartOptions {
  board?: string;
  /** persistent state directory; default .edgelock-state/<board> under the current directory */
  stateDir?: string;
  /** how long to wait for the board to report its port */
  timeoutMs?: number;
  /** firmware build flavour (BUILD_FLAVOURS in build.ts); default 'default' */
  flavour?: string;
}

export const DEFAULT_BOARD = 'qemu-mps2-an386';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/** Builds the firmware if needed, starts the board in the background and returns its serial port. */
export async function startBoard(opts: StartOptions = {}): Promise<RunningBoard> {
  const def = boardByName(opts.board ?? DEFAULT_BOARD);
  const stateDir = path.resolve(opts.stateDir ?? path.join('.edgelock-state', def.name));
  const busy = listBoards().find((b) => b.stateDir === stateDir);
  if (busy)
    throw new EdgelockError(
      'E_BOARD_START',
      `state directory ${stateDir} is in use by ${busy.board} (pid ${busy.pid}, ${busy.port})`,
      {},
      `stop it first: edgelock board stop ${busy.pid}`,
    );
  const artefact = ensureBuilt(def, opts.flavour);
  fs.mkdirSync(stateDir, { recursive: true });
  fs.mkdirSync(runDir(), { recursive: true });
  const log = path.join(runDir(), `${def.name}-${Date.now()}-${process.pid}.log`);
  const fd = fs.openSync(log, 'w');
  const spec = def.launch(artefact, stateDir);
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.on('error', () => (exited = -1));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  while (Date.now() < deadline) {
    const m = fs.readFileSync(log, 'utf8').match(def.portPattern);
    if (m && child.pid) {
      const b: RunningBoard = {
        board: def.name,
        port: m[1],
        pid: child.pid,
        stateDir,
        log,
        started: new Date().toISOString(),
        procStart: processStart(child.pid),
      };
      recordBoard(b);
      return b;
    }
    if (exited !== undefined)
      throw new EdgelockError(
        'E_BOARD_START',
        `${def.name} exited (code ${exited}) before reporting a port: ${tail(log)}`,
      );
    await sleep(30);
  }
  if (child.pid) process.kill(child.pid, 'SIGKILL');
  throw new EdgelockError(
    'E_BOARD_START',
    `${def.name} did not report a serial port within ${opts.timeoutMs ?? 15000} ms: ${tail(log)}`,
  );
}

/** Stops a board started by startBoard, found by pid or serial port. */
export async function stopBoard(pidOrPort: string | number): Promise<RunningBoard> {
  const key = String(pidOrPort);
  const b = listBoards().find((x) => String(x.pid) === key || x.port === key);
  if (!b) throw new EdgelockError('E_BOARD_NOT_RUNNING', `no running board has pid or port '${key}'`);
  try {
    process.kill(b.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  for (let i = 0; i < 100 && isAlive(b.pid); i++) await sleep(30);
  if (isAlive(b.pid)) process.kill(b.pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(b.pid); i++) await sleep(20);
  forgetBoard(b.pid);
  fs.rmSync(b.log, { force: true });
  return b;
}
