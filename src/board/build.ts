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

export function buildDir(board: BoardDef): string {
  return path.join(REPO_ROOT, 'build', board.name);
}

/** Builds the board firmware if its sources changed (make decides) and returns the artefact path. */
export function ensureBuilt(board: BoardDef): string {
  const missing = board.tools.filter((t) => !hasTool(t));
  if (missing.length) throw new EdgelockError('E_BOARD_TOOL_MISSING', `board ${board.name} needs ${missing.join(', ')}`);
  const dir = buildDir(board);
  try {
    execFileSync('make', ['-s', '-C', path.join(REPO_ROOT, board.sourceDir), `BUILD_DIR=${dir}`], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    const out = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new EdgelockError('E_BOARD_BUILD', `building ${board.name} failed:\n${out}`);
  }
  return path.join(dir, board.artefact);
}
