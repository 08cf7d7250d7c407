export { lockModel, unlockModel, unlockWithKey, requireDescriptor } from './lock-model';
export { readDescriptor, LOCK_METADATA_KEY } from './descriptor';
export type { LockDescriptor } from './descriptor';
export { resolveLockKey, lockKeyFor } from './key-material';
export type { KeyMaterial } from './key-material';
export { sealTfliteGraph, unsealTflite, unsealTfliteWithKey, readTfliteDescriptor } from './tflite-lock';
export { compileLocked } from './compile-locked';
export { SCHEMES, DEFAULT_SCHEME, schemeByName } from './schemes';
