/**
 * A locking scheme: how a trained ONNX model is locked under a lock key, how a key holder undoes
 * it, how the compiled int8 .tflite is locked the same way for the device, and what an attacker
 * without the key has to search (the hooks `edgelock attack` uses).
 */
import { TflGraph } from '../../compiler/tfl-graph';
import { Model } from '../../ir/types';
import { TfliteModelInfo } from '../../tflite/reader';
import { LockDescriptor } from '../descriptor';
import { TfliteLockEntry } from '../tflite-descriptor';

export interface LockInput {
  key: Buffer;
  salt: Buffer;
}

export interface LockScheme {
  name: string;
  summary: string;
  /** Locks an unlocked model; returns the locked copy and the descriptor entries. */
  lockOnnx(model: Model, k: LockInput): { model: Model; entries: LockDescriptor['entries'] };
  /** Undoes the lock with `key` (a wrong key gives wrong weights, not an error). */
  unlockOnnx(locked: Model, d: LockDescriptor, key: Buffer): Model;
  /** Locks an int8 TflGraph in place (the filter/bias constants); returns the binary descriptor entries. */
  lockTflite(graph: TflGraph, k: LockInput): TfliteLockEntry[];
  /** Undoes the lock in `bytes` (a copy of the file, changed in place). */
  unlockTflite(bytes: Uint8Array, info: TfliteModelInfo, entries: TfliteLockEntry[], k: LockInput): void;
  /** Attack surface: how many key bits an attacker must find. */
  keyBitCount(d: LockDescriptor): number;
  /** The locked model unlocked with candidate key bits (what a key search evaluates). */
  withKeyBits(locked: Model, d: LockDescriptor, bits: Uint8Array): Model;
  /** Initializers whose true values the stolen model does not contain (in any usable form). */
  unknownInitializers(d: LockDescriptor): string[];
  /** How the gradient attack relaxes the unknown key: per-unit signs, or the unknown values themselves. */
  relaxation: 'unit-signs' | 'unknown-values';
}
