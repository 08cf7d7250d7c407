/**
 * Challenge-response attestation (ATTEST): the host sends a fresh 32-byte nonce; the board answers
 * HMAC-SHA256(device key, nonce ‖ uid ‖ active package SHA-256), computed inside its key store. The host derives
 * the device key from the master key and the uid and checks the MAC. A valid MAC proves the board holds this
 * master's device key for that uid (genuine device) and that its active package is the one named by the hash;
 * since a board activates only packages whose tag verified under its own key, an active package on a genuine
 * device is a genuine model. Version and counter are reported as the board states them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { DeviceClient } from '../device/client';
import { isEdgelockError } from '../errors';
import { deriveDeviceKey } from '../keys/derive';

export interface Attestation {
  uid: string;
  /** the MAC verified under the device key derived from the master key */
  genuineDevice: boolean;
  /** a genuine device with an active (hence authentic) package */
  genuineModel: boolean;
  /** why a check failed, when one did */
  reason?: string;
  activeSlot: number | null;
  packageSha256: string | null;
  version: string | null;
  securityCounter: number | null;
}

export function attestationMac(deviceKey: Uint8Array, nonce: Uint8Array, uid: Uint8Array, packageSha: Uint8Array): Buffer {
  return createHmac('sha256', deviceKey).update(nonce).update(uid).update(packageSha).digest();
}

export async function attest(client: DeviceClient, master: Uint8Array, nonce: Buffer = randomBytes(32)): Promise<Attestation> {
  let f;
  try {
    f = (await client.call('ATTEST', { nonce })).fields;
  } catch (e) {
    if (isEdgelockError(e) && e.code === 'E_DEVICE_KEY_EMPTY') {
      const info = await client.info();
      return { uid: info.uid, genuineDevice: false, genuineModel: false, reason: 'the board has no device key (not provisioned)', activeSlot: info.package?.activeSlot ?? null, packageSha256: null, version: null, securityCounter: info.package?.securityCounter ?? null };
    }
    throw e;
  }
  const uid = f.uid as Buffer;
  const hash = f.package_sha256 as Buffer;
  const deviceKey = deriveDeviceKey(master, uid);
  const expect = attestationMac(deviceKey, nonce, uid, hash);
  deviceKey.fill(0);
  const genuineDevice = timingSafeEqual(expect, f.mac as Buffer);
  const activeSlot = f.active_slot === 0xff ? null : (f.active_slot as number);
  const genuineModel = genuineDevice && activeSlot !== null;
  const reason = !genuineDevice ? 'the attestation MAC does not verify under this master key (not our device key)'
    : activeSlot === null ? 'no authenticated package is active' : undefined;
  return {
    uid: uid.toString('hex'),
    genuineDevice,
    genuineModel,
    ...(reason ? { reason } : {}),
    activeSlot,
    packageSha256: activeSlot === null ? null : hash.toString('hex'),
    version: activeSlot === null ? null : (f.version as Buffer).toString('latin1'),
    securityCounter: f.security_counter as number,
  };
}
