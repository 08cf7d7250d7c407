import { Command } from 'commander';
import { register as inspect } from './inspect';
import { register as optimize } from './optimize';
import { register as compile } from './compile';
import { register as demo } from './demo';

/** Every CLI command, registered in this one table. */
export const COMMANDS: ReadonlyArray<(program: Command) => unknown> = [inspect, optimize, compile, demo];
