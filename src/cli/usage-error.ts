/** commander's own parse errors (unknown option, missing required option, bad option value) as catalogue errors. */
import { CommanderError } from 'commander';
import { EdgelockError } from '../errors';

const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** The E_USAGE error a commander parse error is, or null for help and version output (which end the parse too). */
export function usageError(err: CommanderError): EdgelockError | null {
  if (NOT_ERRORS.has(err.code)) return null;
  return new EdgelockError('E_USAGE', err.message.replace(/^error:\s*/, ''));
}
