import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { EdgelockError } from '../errors';
import { BOARDS, BoardDef, REPO_ROOT } from './boards';

export function boardByName(name: string): BoardDef {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new EdgelockError('E_BOARD_UNKNOWN', `unknown board '${name}'`, {}, `boards: ${BOARDS.map((x) => x.name).join(', ')}`);
  return b;
}

function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Build flavours of the firmware: extra C flags (the Makefiles' EXTRA_CFLAGS), each built into its own
 * directory. 'single-rounding' makes the int8 runtime requantise with one rounding (TFLite's
 * TFLITE_SINGLE_ROUNDING), the arithmetic of the desktop TFLite runtime's optimised kernels; the default
 * rounds like TFLite's reference kernels and TFLite Micro (docs/runtime.md, "Bit-exactness").
 */
export const BUILD_FLAVOURS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  'single-rounding': ['-DEL_SINGLE_ROUNDING'],
};

function flavourFlags(flavour: string): readonly string[] {
  const flags = BUILD_FLAVOURS[flavour];
  if (!flags) throw new EdgelockError('E_USAGE', `unknown firmware build flavour '${flavour}'`, {}, `flavours: ${Object.keys(BUILD_FLAVOURS).join(', ')}`);
  return flags;
}

export function buildDir(board: BoardDef, flavour = 'default'): string {
  return path.join(REPO_ROOT, 'build', flavour === 'default' ? board.name : `${board.name}-${flavour}`);
}

/** Builds the board firmware (in `flavour`) if its sources changed (make decides) and returns the artefact path. */
export function ensureBuilt(board: BoardDef, flavour = 'default'): string {
  const missing = board.tools.filter((t) => !hasTool(t));
  if (missing.length) throw new EdgelockError('E_BOARD_TOOL_MISSING', `board ${board.name} needs ${missing.join(', ')}`);
  const flags = flavourFlags(flavour);
  const dir = buildDir(board, flavour);
  try {
    execFileSync('make', ['-s', '-C', path.join(REPO_ROOT, board.sourceDir), `BUILD_DIR=${dir}`, ...(flags.length ? [`EXTRA_CFLAGS=${flags.join(' ')}`] : [])], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    const out = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new EdgelockError('E_BOARD_BUILD', `building ${board.name} failed:\n${out}`);
  }
  return path.join(dir, board.artefact);
}
