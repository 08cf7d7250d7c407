/** The locking schemes, by name. The first is the default. */
import { EdgelockError } from '../../errors';
import { hpnn } from './hpnn';
import { seal } from './seal';
import { LockScheme } from './scheme';

export const SCHEMES: Record<string, LockScheme> = { seal, hpnn };
export const DEFAULT_SCHEME = 'seal';

export function schemeByName(name: string): LockScheme {
  const s = SCHEMES[name];
  if (!s)
    throw new EdgelockError('E_USAGE', `unknown lock scheme '${name}'; schemes: ${Object.keys(SCHEMES).join(', ')}`);
  return s;
}

export type { LockScheme } from './scheme';
