import { Command } from 'commander';
import { register as inspect } from './inspect';

/** Every CLI command, registered in this one table. */
export const COMMANDS: ReadonlyArray<(program: Command) => unknown> = [inspect];
