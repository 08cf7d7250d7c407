import { Command } from 'commander';
import { register as inspect } from './inspect';
import { register as optimize } from './optimize';
import { register as compile } from './compile';
import { register as keygen } from './keygen';
import { register as lock } from './lock';
import { register as evaluate } from './eval';
import { register as attack } from './attack';
import { register as watermark } from './watermark';
import { register as fingerprint } from './fingerprint';
import { register as board } from './board';
import { register as device } from './device';
import { register as demo } from './demo';
import { register as provision } from './provision';
import { register as factory } from './factory';
import { register as pkg } from './package';
import { register as flash } from './flash';
import { register as verify } from './verify';
import { register as report } from './report';
import { register as trace } from './trace';
import { register as traceUnits } from './trace-units';
import { register as responseMark } from './response-mark';
import { register as scoreOffsets } from './score-offsets';

/** Every CLI command, registered in this one table (in the order `--help` lists them). */
export const COMMANDS: ReadonlyArray<(program: Command) => unknown> = [
  inspect,
  optimize,
  compile,
  keygen,
  lock,
  evaluate,
  attack,
  watermark,
  fingerprint,
  board,
  device,
  demo,
  provision,
  factory,
  pkg,
  flash,
  verify,
  report,
  trace,
  traceUnits,
  responseMark,
  scoreOffsets,
];
