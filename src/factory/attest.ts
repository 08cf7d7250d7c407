/**
 * Challenge-response attestation (ATTEST): the host sends a fresh 32-byte nonce; the board answers
 * HMAC-SHA256(device key, nonce ‖ uid ‖ active package SHA-256 ‖ firmware flags ‖ dev models), computed inside its
 * key store. The host derives the device key from the master key and the uid and checks the MAC. A valid MAC proves
 * the board holds this master's device key for that uid (genuine device), that its active package is the one named
 * by the hash, which firmware flavour it runs and how many development uploads it holds. A genuine model is an
 * active package (a board activates only packages whose tag verified under its own key) on a production firmware
 * with no development upload in any slot: a development firmware runs whatever its serial port is sent.
 * Version and counter are reported as the board states them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { DeviceClient, flavourOfFlags } from '../device/client';
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
  /** the firmware build flavour the board attests ('default', 'dev', ...) */
  flavour: string | null;
  /** slots holding a ready development upload (not an authenticated package) */
  devModels: number | null;
  packageSha256: string | null;
  version: string | null;
  securityCounter: number | null;
}

export function attestationMac(
  deviceKey: Uint8Array,
  nonce: Uint8Array,
  uid: Uint8Array,
  packageSha: Uint8Array,
  firmwareFlags: number,
  devModels: number,
): Buffer {
  return createHmac('sha256', deviceKey)
    .update(nonce)
    .update(uid)
    .update(packageSha)
    .update(Buffer.from([firmwareFlags, devModels]))
    .digest();
}

export async function attest(
  client: DeviceClient,
  master: Uint8Array,
  nonce: Buffer = randomBytes(32),
): Promise<Attestation> {
  let f;
  try {
    f = (await client.call('ATTEST', { nonce })).fields;
  } catch (e) {
    if (isEdgelockError(e) && e.code === 'E_DEVICE_KEY_EMPTY') {
      const info = await client.info();
      return {
        uid: info.uid,
        genuineDevice: false,
        genuineModel: false,
        reason: 'the board has no device key (not provisioned)',
        activeSlot: info.package?.activeSlot ?? null,
        flavour: info.firmware?.flavour ?? null,
        devModels: null,
        packageSha256: null,
        version: null,
        securityCounter: info.package?.securityCounter ?? null,
      };
    }
    throw e;
  }
  const uid = f.uid as Buffer;
  const hash = f.package_sha256 as Buffer;
  const deviceKey = deriveDeviceKey(master, uid);
  const flags = f.firmware_flags as number;
  const devModels = f.dev_models as number;
  const expect = attestationMac(deviceKey, nonce, uid, hash, flags, devModels);
  deviceKey.fill(0);
  const genuineDevice = timingSafeEqual(expect, f.mac as Buffer);
  const activeSlot = f.active_slot === 0xff ? null : (f.active_slot as number);
  const build = flavourOfFlags(flags);
  const genuineModel = genuineDevice && activeSlot !== null && !build.devUpload && devModels === 0;
  const reason = !genuineDevice
    ? 'the attestation MAC does not verify under this master key (not our device key)'
    : build.devUpload
      ? `the board runs a development firmware (flavour ${build.flavour}): it accepts models that are not authenticated packages`
      : devModels > 0
        ? `${devModels} slot(s) hold a development upload, not an authenticated package`
        : activeSlot === null
          ? 'no authenticated package is active'
          : undefined;
  return {
    uid: uid.toString('hex'),
    genuineDevice,
    genuineModel,
    ...(reason ? { reason } : {}),
    activeSlot,
    flavour: genuineDevice ? build.flavour : null,
    devModels: genuineDevice ? devModels : null,
    packageSha256: activeSlot === null ? null : hash.toString('hex'),
    version: activeSlot === null ? null : (f.version as Buffer).toString('latin1'),
    securityCounter: f.security_counter as number,
  };
}
