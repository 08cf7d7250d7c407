/**
 * The factory log's side of tracing: which trace code each fingerprinted package carries (ids only, schema 3), and
 * the candidate boards `edgelock trace` reads back from it.
 */
import { EdgelockError } from '../errors';
import { keyId } from '../keys/derive';
import { BuiltPackage } from '../package/build';
import { TraceParams } from '../trace/params';
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
    packageSha256: p.packageSha256,
    station: p.station,
    operator: p.operator,
  });
}

/** The boards with a fingerprinted package under this master key, and the trace parameters they share. */
export async function traceCandidates(
  db: FactoryDb,
  master: Uint8Array,
): Promise<{ uids: string[]; params: TraceParams }> {
  const rows = await db.traceCodes(keyId(master));
  if (rows.length === 0)
    throw new EdgelockError(
      'E_TRACE_CANDIDATES',
      `the factory database ${db.location} records no fingerprinted package for this master key`,
    );
  const params = new Set(rows.map((r) => r.params));
  if (params.size > 1)
    throw new EdgelockError(
      'E_TRACE_CANDIDATES',
      `the database's fingerprinted packages use ${params.size} different trace parameter sets; trace with --devices for one of them`,
    );
  return { uids: [...new Set(rows.map((r) => r.uid))], params: JSON.parse(rows[0].params) as TraceParams };
}
