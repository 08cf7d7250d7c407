/** The per-device package key: HKDF-SHA256(ikm = device key, salt = empty, info = "edgelock package key v1"). */
import { hkdf } from '../keys/derive';
import { PACKAGE_KEY_INFO } from './format';

export function derivePackageKey(deviceKey: Uint8Array): Buffer {
  return hkdf(deviceKey, Buffer.alloc(0), PACKAGE_KEY_INFO);
}
