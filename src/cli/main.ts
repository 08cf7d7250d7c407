#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { asEdgelockError, EdgelockError } from '../errors';
import { COMMANDS } from './commands';
import { VERSION } from '../version';
import { usageError } from './usage-error';

function debugEnabled(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.EDGELOCK_DEBUG === '1';
}

function report(err: unknown, argv: string[]): number {
  if (err instanceof CommanderError) {
    const usage = usageError(err);
    if (usage) process.stderr.write(usage.toLine() + '\n');
    return usage ? 2 : 0;
  }
  const e: EdgelockError = asEdgelockError(err);
  process.stderr.write(e.toLine() + '\n');
  if (debugEnabled(argv) && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return e.code === 'E_USAGE' ? 2 : 1;
}

export function buildProgram(): Command {
  const program = new Command('edgelock')
    .description('Compile, key-lock and watermark neural networks for microcontrollers')
    .version(VERSION)
    .option('--debug', 'print stack traces of errors')
    // the program's own options (--version, --debug) only before a command: `package --version <semver>` is the
    // command's; --debug is honoured anywhere (main() reads it from argv and removes it)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showHelpAfterError(false);
  for (const register of COMMANDS) register(program);
  const quiet = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({ outputError: () => undefined });
      quiet(sub);
    }
  };
  quiet(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(
      argv.filter((a) => a !== '--debug'),
      { from: 'user' },
    );
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err, argv);
  }
}

/**
 * A reader that stops early (`edgelock inspect m.onnx | head -1`) closes the pipe: the next write fails with EPIPE.
 * That is the reader's choice, not an error: exit quietly (status 0) instead of an unhandled 'error' event.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  exitQuietlyOnEpipe(process.stdout);
  process.on('unhandledRejection', (e) => {
    process.exit(report(e, argv));
  });
  main(argv).then((code) => {
    process.exitCode = code;
  });
}
