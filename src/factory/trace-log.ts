/**
 * The factory log's side of tracing: which trace code each fingerprinted package carries and how many trigger units
 * (ids and counts only, schemas 3 and 4), and the candidate boards `edgelock trace` reads back from it.
 */
import { EdgelockError } from '../errors';
import { keyId } from '../keys/derive';
import { BuiltPackage } from '../package/build';
import { traceParamsFromLog } from '../trace/params';
import { CandidateGroup } from '../trace/candidates';
import { FactoryDb } from './db';

export async function recordPackageTrace(
  db: FactoryDb,
  built: BuiltPackage,
  p: { master: Uint8Array; uid: string; packageSha256: string; station: string; operator: string },
): Promise<void> {
  if (!built.trace) return;
  await db.recordTraceCode({
    masterKeyId: keyId(p.master),
    uid: p.uid,
    codeId: built.trace.codeId,
    params: JSON.stringify(built.trace.params),
    carriers: built.trace.carriers,
    units: built.trace.units,
    packageSha256: p.packageSha256,
    station: p.station,
    operator: p.operator,
  });
}

/**
 * The boards with a fingerprinted package under this master key, grouped by the trace parameters their packages were
 * marked with (in the order the log first records each set; a board re-packaged with other parameters is listed
 * under each). `edgelock trace` scores every board under its own set.
 */
export async function traceCandidates(db: FactoryDb, master: Uint8Array): Promise<CandidateGroup[]> {
  const rows = await db.traceCodes(keyId(master));
  if (rows.length === 0)
    throw new EdgelockError(
      'E_TRACE_CANDIDATES',
      `the factory database ${db.location} records no fingerprinted package for this master key`,
    );
  const groups = new Map<string, { uids: Set<string>; unitBoards: Set<string> }>();
  for (const r of rows) {
    const g = groups.get(r.params) ?? { uids: new Set<string>(), unitBoards: new Set<string>() };
    g.uids.add(r.uid);
    if (r.units > 0) g.unitBoards.add(r.uid);
    groups.set(r.params, g);
  }
  return [...groups].map(([params, g]) => ({
    uids: [...g.uids],
    params: traceParamsFromLog(params),
    unitBoards: [...g.unitBoards],
  }));
}
