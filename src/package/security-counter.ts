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

/**
 * A counter a package can carry: an integer 0..COUNTER_MAX. The reserved u32 maximum is E_COUNTER_RESERVED; anything
 * else outside the range is E_USAGE (the CLI's parser, src/cli/option-parsers.ts, refuses that before it gets here).
 */
export function checkSecurityCounter(counter: number): void {
  if (counter === COUNTER_RESERVED) {
    throw new EdgelockError(
      'E_COUNTER_RESERVED',
      `security counter ${COUNTER_RESERVED} is reserved: a board holding it would refuse every later package; ` +
        `the largest counter is ${COUNTER_MAX}`,
    );
  }
  if (!Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX)
    throw new EdgelockError('E_USAGE', `the security counter must be an integer 0..${COUNTER_MAX}, got ${counter}`);
}

/**
 * A counter more than COUNTER_JUMP_LIMIT above the previous one (the fleet's current package's; when not known,
 * DEFAULT_PREVIOUS_COUNTER) is E_COUNTER_JUMP unless the jump is allowed.
 */
export function checkCounterJump(counter: number, previous: number | undefined, allowJump: boolean): void {
  const from = previous ?? DEFAULT_PREVIOUS_COUNTER;
  if (counter - from > COUNTER_JUMP_LIMIT && !allowJump) {
    throw new EdgelockError(
      'E_COUNTER_JUMP',
      `security counter ${counter} is ${counter - from} above ` +
        `${previous === undefined ? 'zero' : `the previous counter ${previous}`} (more than ${COUNTER_JUMP_LIMIT}); ` +
        'boards never lower their counter again',
    );
  }
}
