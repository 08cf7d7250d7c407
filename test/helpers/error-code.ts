/** The catalogue code a call fails with, or 'accepted' when it succeeds; any other failure is rethrown. */
import { EdgelockError } from '../../src/errors';

function codeOf(e: unknown): string {
  if (e instanceof EdgelockError) return e.code;
  throw e;
}

export function errorCodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return codeOf(e);
  }
  return 'accepted';
}

export async function errorCode(p: Promise<unknown>): Promise<string> {
  const settled = await p.then(
    () => ({ ok: true as const }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  return settled.ok ? 'accepted' : codeOf(settled.e);
}
