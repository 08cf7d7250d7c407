import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EdgelockError } from '../errors';
import { BOARDS, BoardDef, REPO_ROOT } from './boards';

export function boardByName(name: string): BoardDef {
  const b = BOARDS.find((x) => x.name === name);
  if (!b)
    throw new EdgelockError(
      'E_BOARD_UNKNOWN',
      `unknown board '${name}'`,
      {},
      `boards: ${BOARDS.map((x) => x.name).join(', ')}`,
    );
  return b;
}

function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Build flavours of the firmware: extra C flags (the Makefiles' EXTRA_CFLAGS), each combination built into its own
 * directory. 'single-rounding' makes the int8 runtime requantise with one rounding (TFLite's TFLITE_SINGLE_ROUNDING),
 * the arithmetic of the desktop TFLite runtime's optimised kernels; the default rounds like TFLite's reference kernels
 * and TFLite Micro (docs/runtime.md, "Bit-exactness"). 'dev' adds the development model upload (MODEL_LOAD_*, `device
 * load-dev`); every build without it is a production firmware, which takes models only in authenticated packages
 * (docs/security.md, "The decryption oracle"). A flavour is a comma-separated list: `dev`, `single-rounding,dev`.
 */
export const BUILD_FLAVOURS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  'single-rounding': ['-DEL_SINGLE_ROUNDING'],
  dev: ['-DEL_DEV_UPLOAD'],
  /** TrustZone boards only: PROBE_READ in the non-secure image, and a secure fault handler that resumes the probe
   * instead of resetting (the fault-proof tests, test/device/trustzone-probe.test.ts) */
  'tz-probe': ['-DEL_TZ_PROBE'],
  /** TrustZone boards only, with tz-probe: the SAU marks the non-secure aliases of all of the board's RAM non-secure (a
   * mistaken SAU setup), so only the memory protection controllers guard the secure image (the MPC attack test) */
  'tz-sau-open': ['-DEL_TZ_SAU_OPEN'],
  /** TrustZone boards only: PROBE_READ as in tz-probe, but a fault resets the board as production builds do */
  'tz-probe-reset': ['-DEL_TZ_PROBE', '-DEL_TZ_PROBE_RESET'],
  /** every locked model in streaming mode (sealed inputs restored before each operator; el_lock_unseal.h) */
  'lock-streaming': ['-DEL_LOCK_STREAMING=1'],
};

/** The flavours of a comma-separated list, known, without 'default' and duplicates, in BUILD_FLAVOURS order. */
export function flavourParts(flavour = 'default'): string[] {
  const parts = flavour.split(',').map((x) => x.trim());
  const unknown = parts.filter((x) => !BUILD_FLAVOURS[x]);
  if (unknown.length || parts.some((x) => x === '')) {
    throw new EdgelockError(
      'E_USAGE',
      `unknown firmware build flavour '${unknown[0] ?? flavour}'`,
      {},
      `flavours: ${Object.keys(BUILD_FLAVOURS).join(', ')}; combine with commas, e.g. single-rounding,dev`,
    );
  }
  return Object.keys(BUILD_FLAVOURS).filter((k) => k !== 'default' && parts.includes(k));
}

/** The canonical name of a flavour list ('default', 'dev', 'single-rounding+dev', ...). */
export function flavourName(flavour = 'default'): string {
  const parts = flavourParts(flavour);
  return parts.length ? parts.join('+') : 'default';
}

function flavourFlags(flavour: string): readonly string[] {
  return flavourParts(flavour).flatMap((f) => BUILD_FLAVOURS[f]);
}

export function buildDir(board: BoardDef, flavour = 'default'): string {
  const name = flavourName(flavour);
  return path.join(REPO_ROOT, 'build', name === 'default' ? board.name : `${board.name}-${name}`);
}

const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 15 * 60_000;

/**
 * Runs `fn` holding `<dir>.lock` (a directory: mkdir is atomic), so that two processes building the same firmware
 * (two test workers, two CLI calls) never run make in one build directory at once: the makefiles write
 * `firmware.elf.tmp` and, on the TrustZone board, the secure image's veneers, which a second make would move or
 * overwrite under the first (seen once in CI: "mv: cannot stat firmware.elf.tmp"). A lock older than 10 minutes is
 * a killed build's and is taken over.
 */
function withBuildLock<T>(dir: string, fn: () => T): T {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
    } catch {
      // released meanwhile: try again
    }
    if (Date.now() > deadline)
      throw new EdgelockError('E_BOARD_BUILD', `building in ${dir}: another build has held ${lock} for too long`);
    Atomics.wait(pause, 0, 0, 100);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the board firmware (in `flavour`) if its sources changed (make decides) and returns the artefact path. */
export function ensureBuilt(board: BoardDef, flavour = 'default'): string {
  const missing = board.tools.filter((t) => !hasTool(t));
  if (missing.length)
    throw new EdgelockError('E_BOARD_TOOL_MISSING', `board ${board.name} needs ${missing.join(', ')}`);
  const dir = buildDir(board, flavour);
  return withBuildLock(dir, () => runMake(board, flavour, dir));
}

function runMake(board: BoardDef, flavour: string, dir: string): string {
  const flags = flavourFlags(flavour);
  try {
    execFileSync(
      'make',
      [
        '-s',
        '-C',
        path.join(REPO_ROOT, board.sourceDir),
        `BUILD_DIR=${dir}`,
        ...(flags.length ? [`EXTRA_CFLAGS=${flags.join(' ')}`] : []),
      ],
      { stdio: 'pipe' },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    const out = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`
      .trim()
      .split('\n')
      .slice(-8)
      .join('\n');
    throw new EdgelockError('E_BOARD_BUILD', `building ${board.name} failed:\n${out}`);
  }
  return path.join(dir, board.artefact);
}
