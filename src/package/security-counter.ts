/**
 * The anti-rollback counter a package carries (docs/package.md). Boards refuse any package below the counter they
 * hold and raise theirs on every activation, so a counter is a one-way ratchet:
 *  - 4294967295 (the u32 maximum) is reserved and refused: a board holding it could never take another package;
 *  - a "large" jump — more than COUNTER_JUMP_LIMIT above the previous counter (`--previous-counter <n>`,
 *    DEFAULT_PREVIOUS_COUNTER when not given) — needs `--allow-counter-jump`, so a typo cannot pin a fleet's boards far ahead.
 */
import { EdgelockError } from '../errors';

export const COUNTER_RESERVED = 0xffffffff;
export const COUNTER_MAX = COUNTER_RESERVED - 1;
export const COUNTER_JUMP_LIMIT = 1000;
/** what `--previous-counter` is when not given */
export const DEFAULT_PREVIOUS_COUNTER = 0;

function parseU32(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) > COUNTER_RESERVED)
    throw new EdgelockError('E_USAGE', `${flag} must be an integer 0..${COUNTER_MAX}, got '${v}'`);
  return Number(v);
}

export interface CounterFlags {
  securityCounter?: string;
  previousCounter?: string;
  allowCounterJump?: boolean;
}

export function parseSecurityCounter(f: CounterFlags): number {
  if (f.securityCounter === undefined) throw new EdgelockError('E_USAGE', 'missing --security-counter <n>');
  const counter = parseU32(f.securityCounter, '--security-counter');
  if (counter === COUNTER_RESERVED) {
    throw new EdgelockError(
      'E_COUNTER_RESERVED',
      `--security-counter ${COUNTER_RESERVED} is reserved: a board holding it would refuse every later package; the largest counter is ${COUNTER_MAX}`,
    );
  }
  const previous =
    f.previousCounter === undefined ? DEFAULT_PREVIOUS_COUNTER : parseU32(f.previousCounter, '--previous-counter');
  if (counter - previous > COUNTER_JUMP_LIMIT && !f.allowCounterJump) {
    throw new EdgelockError(
      'E_COUNTER_JUMP',
      `--security-counter ${counter} is ${counter - previous} above ${f.previousCounter === undefined ? 'zero' : `the previous counter ${previous}`} (more than ${COUNTER_JUMP_LIMIT}); boards never lower their counter again`,
    );
  }
  return counter;
}
