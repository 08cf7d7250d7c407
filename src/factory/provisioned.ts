/** The boards a master key provisioned, from the factory log (ids only: uids, never a key). */
import { keyId } from '../keys/derive';
import { FactoryDb } from './db';

export async function provisionedUids(db: FactoryDb, master: Uint8Array): Promise<string[]> {
  const masterKeyId = keyId(master);
  const uids = new Set<string>();
  for (const e of await db.events())
    if (
      e.command === 'provision' &&
      (e.outcome === 'written' || e.outcome === 'unchanged') &&
      e.masterKeyId === masterKeyId &&
      e.uid
    )
      uids.add(e.uid.toLowerCase());
  return [...uids];
}
