export { createKeyFile, readKeyFile, KEY_BYTES } from './key-file';
export { parseDeviceUid } from './device-uid';
export { deriveDeviceKey, deriveDeviceLockKey, deriveModelKey, deriveWrapKey, keyId, LABELS, LOCK_ID_BYTES } from './derive';
export { chacha20Xor, chacha20Keystream } from './chacha20';
