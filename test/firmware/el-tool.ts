/** Builds test/firmware/c/el_tool.c with the firmware core (host gcc, ASan+UBSan) and runs it in batch. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FIRMWARE_INCLUDE_DIRS, buildSanitizedTool, firmwareIncludeArgs, firmwareSources } from './firmware-sources';

export const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'build', 'test', 'el_tool');

let built = false;

export function buildTool(): string {
  if (built) return OUT;
  const sources = [
    ...firmwareSources(),
    ...fs
      .readdirSync(path.join(__dirname, 'c'))
      .filter((f) => f.endsWith('.c'))
      .map((f) => path.join(__dirname, 'c', f)),
  ];
  const inputs = [
    ...sources,
    ...[...FIRMWARE_INCLUDE_DIRS, path.join(__dirname, 'c')].flatMap((d) =>
      fs.readdirSync(d).map((f) => path.join(d, f)),
    ),
  ];
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs), fs.statSync(__filename).mtimeMs);
  if (fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs > newest) {
    built = true;
    return OUT;
  }
  buildSanitizedTool(OUT, [...firmwareIncludeArgs(), '-I', path.join(__dirname, 'c'), ...sources], { pedantic: true });
  built = true;
  return OUT;
}

/** Sends the lines to one tool process and returns its output lines (one per input line). */
export function runTool(lines: string[]): string[] {
  const out = execFileSync(buildTool(), [], {
    input: lines.join('\n') + '\n',
    maxBuffer: 64 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
  })
    .toString()
    .trimEnd()
    .split('\n');
  if (out.length !== lines.length) throw new Error(`el_tool answered ${out.length} lines for ${lines.length}`);
  return out;
}

export const hex = (b: Uint8Array | string): string => {
  const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b);
  return buf.length === 0 ? '-' : buf.toString('hex');
};
