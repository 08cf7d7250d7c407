/** The boards a leak is traced among: device uids (hex) from a file, one per line (`#` starts a comment). */
import { EdgelockError } from '../errors';
import { LIMITS } from '../protocol/definition';
import { TraceParams } from './params';

/** Boards whose packages were marked with the same trace parameters. */
export interface CandidateGroup {
  uids: readonly string[];
  params: TraceParams;
  /** those of `uids` whose packages carry trigger units (the factory log's record, schema 4); absent when not known
   * (a --devices list): then every board is read for them */
  unitBoards?: readonly string[];
}

export function parseCandidates(text: string, source: string): string[] {
  const uids: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, k) => {
    const t = line.replace(/#.*/, '').trim().toLowerCase();
    if (!t) return;
    if (!new RegExp(`^[0-9a-f]{${2 * LIMITS.uidSize}}$`).test(t))
      throw new EdgelockError(
        'E_TRACE_CANDIDATES',
        `${source} line ${k + 1}: not a device uid (${2 * LIMITS.uidSize} hex digits)`,
      );
    if (!seen.has(t)) uids.push(t);
    seen.add(t);
  });
  if (uids.length === 0) throw new EdgelockError('E_TRACE_CANDIDATES', `${source} lists no device uid`);
  return uids;
}
