/**
 * Where the firmware's C sources are, for tests that build parts of it for the host: the shared list
 * firmware-tools/sources.txt (core/, commands/ and firmware/ without the runtime module, as the boards build it
 * through firmware-tools/sources.mk) and the include directories.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const FIRMWARE_DIR = path.resolve(__dirname, '../../firmware-tools');
/** The portable core: framing, crypto, key store, storage records, slots, packages, board interface. */
export const CORE_DIR = path.join(FIRMWARE_DIR, 'core');
/** Include directories of the firmware without the runtime module. */
export const FIRMWARE_INCLUDE_DIRS = ['core', 'commands', 'firmware'].map((d) => path.join(FIRMWARE_DIR, d));

/** Absolute paths of the firmware's sources without the runtime module (firmware-tools/sources.txt). */
export function firmwareSources(): string[] {
  return fs
    .readFileSync(path.join(FIRMWARE_DIR, 'sources.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => path.join(FIRMWARE_DIR, l));
}

/** `-I dir` arguments for FIRMWARE_INCLUDE_DIRS. */
export function firmwareIncludeArgs(): string[] {
  return FIRMWARE_INCLUDE_DIRS.flatMap((d) => ['-I', d]);
}

/**
 * Builds a host test tool from `args` (include flags and sources) with gcc, C99, warnings as errors, ASan and UBSan,
 * into `out` by rename (parallel jest workers never run a half-written binary); returns `out`.
 */
export function buildSanitizedTool(out: string, args: string[], opts: { pedantic?: boolean } = {}): string {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}`;
  const warnings = ['-Wall', '-Wextra', ...(opts.pedantic ? ['-Wpedantic'] : []), '-Werror'];
  const sanitizers = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'];
  execFileSync('gcc', ['-std=c99', '-O1', '-g', ...warnings, ...sanitizers, ...args, '-o', tmp], { stdio: 'pipe' });
  fs.renameSync(tmp, out);
  return out;
}
