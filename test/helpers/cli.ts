import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { Command, CommanderError } from 'commander';
import { usageError } from '../../src/cli/usage-error';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = resolve(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built edgelock CLI as a user would. */
export function runCli(
  args: string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string>; timeout?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, ...(opts.env ?? {}) },
    timeout: opts.timeout ?? 300000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A one-line usage error (exit 2, `error E_USAGE: …`) whose message matches `text`. */
export function expectUsageError(r: CliResult, text: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^error E_USAGE: /);
  expect(r.stderr).toMatch(text);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/** `edgelock package <model> -o <out> --key <key> --device-uid <uid>` at a version and security counter. */
export function packageArgs(
  model: string,
  out: string,
  key: string,
  uid: string,
  { version = '1.0.0', counter = 1 }: { version?: string; counter?: number | string } = {},
): string[] {
  return [
    'package',
    model,
    '-o',
    out,
    '--key',
    key,
    '--device-uid',
    uid,
    '--version',
    version,
    '--security-counter',
    String(counter),
  ];
}

/** The JSON objects of a `--json` run that prints one object per line. */
export function jsonLines(stdout: string): Record<string, any>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * Runs `edgelock <args>` in-process against the given command registrations (commander with exitOverride, so
 * errors reject instead of exiting; commander's own parse errors reject as the E_USAGE error the CLI prints) and
 * returns what the commands printed on stdout.
 */
export async function runCommandsInProcess(
  registrations: ReadonlyArray<(program: Command) => unknown>,
  args: string[],
): Promise<string> {
  const program = new Command('edgelock').exitOverride().configureOutput({ outputError: () => undefined });
  for (const register of registrations) register(program);
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    throw e instanceof CommanderError ? (usageError(e) ?? e) : e;
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** A fresh temporary directory holding `master` as master.key (mode 0600), as a user's key file would be. */
export function keyDir(prefix: string, master: Uint8Array): { dir: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const key = join(dir, 'master.key');
  writeFileSync(key, master, { mode: 0o600 });
  return { dir, key };
}
