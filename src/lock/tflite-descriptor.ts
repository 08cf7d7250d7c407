/**
 * The binary lock descriptor of a locked .tflite (metadata entry "edgelock.lock"), laid out for a
 * C firmware to read without a parser. All integers little-endian.
 *
 *   off size field
 *     0    4 magic "ELK1"
 *     4    1 version (2: the lock key is bound to the model, src/lock/model-binding.ts; 1 is refused)
 *     5    1 scheme (1 = seal, 2 = hpnn)
 *     6    1 cipher (1 = ChaCha20, RFC 8439)
 *     7    1 binding (1 = device-bound lock key, 2 = model key)
 *     8   16 lock id (HKDF salt of the lock key)
 *    24    8 key id (HMAC-SHA256(lock key, "edgelock key id")[0..8)); zero while the binding hash is computed
 *    32    8 salt (first 8 bytes of every ChaCha20 nonce of this lock)
 *    40    4 entry count n
 *    44 16·n entries: u32 tensor index | u8 kind | u8 axis | u16 0 | u32 a | u32 b
 *       kind 1 (sealed bytes):   a = byte length of the tensor data, b = stream number
 *       kind 2 (hpnn weight):    a = first key bit, b = units; negate slices along `axis`
 *       kind 3 (hpnn bias):      a = first key bit, b = units
 */
import { EdgelockError } from '../errors';
import { Binding } from './descriptor';

export const TFLITE_LOCK_MAGIC = 'ELK1';
/** Descriptor version: 2 = lock key bound to the model (binding hash). Version 1 (unbound) is refused. */
export const TFLITE_LOCK_VERSION = 2;
export const HEADER_BYTES = 44;
export const ENTRY_BYTES = 16;

export const SCHEME_CODES: Record<string, number> = { seal: 1, hpnn: 2 };
export const BINDING_CODES: Record<Binding, number> = { device: 1, model: 2 };
export const CIPHER_CHACHA20 = 1;

export const ENTRY_KINDS = { sealed: 1, hpnnWeight: 2, hpnnBias: 3 } as const;

export interface TfliteLockEntry {
  tensor: number;
  kind: number;
  axis: number;
  a: number;
  b: number;
}

export interface TfliteLockHeader {
  scheme: string;
  binding: Binding;
  lockId: string;
  keyId: string;
  salt: string;
}

export interface TfliteLockDescriptor extends TfliteLockHeader {
  entries: TfliteLockEntry[];
}

function bad(msg: string): never {
  throw new EdgelockError('E_LOCK_DESCRIPTOR', `.tflite lock descriptor: ${msg}`);
}

export function encodeTfliteDescriptor(d: TfliteLockDescriptor): Uint8Array {
  const out = Buffer.alloc(HEADER_BYTES + ENTRY_BYTES * d.entries.length);
  out.write(TFLITE_LOCK_MAGIC, 0, 'latin1');
  out[4] = TFLITE_LOCK_VERSION;
  out[5] = SCHEME_CODES[d.scheme] ?? bad(`scheme '${d.scheme}' has no code`);
  out[6] = CIPHER_CHACHA20;
  out[7] = BINDING_CODES[d.binding];
  Buffer.from(d.lockId, 'hex').copy(out, 8);
  Buffer.from(d.keyId, 'hex').copy(out, 24);
  Buffer.from(d.salt, 'hex').copy(out, 32);
  out.writeUInt32LE(d.entries.length, 40);
  d.entries.forEach((e, i) => {
    const at = HEADER_BYTES + ENTRY_BYTES * i;
    out.writeUInt32LE(e.tensor, at);
    out[at + 4] = e.kind;
    out[at + 5] = e.axis;
    out.writeUInt32LE(e.a >>> 0, at + 8);
    out.writeUInt32LE(e.b >>> 0, at + 12);
  });
  return out;
}

export function decodeTfliteDescriptor(bytes: Uint8Array): TfliteLockDescriptor {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER_BYTES || b.toString('latin1', 0, 4) !== TFLITE_LOCK_MAGIC) bad('bad magic or truncated header');
  if (b[4] === 1)
    bad(
      'version 1 (a lock not bound to its model, refused by the firmware since the oracle fix); compile the locked ONNX again',
    );
  if (b[4] !== TFLITE_LOCK_VERSION)
    bad(`version ${b[4]} is not supported (this edgelock reads version ${TFLITE_LOCK_VERSION})`);
  const scheme = Object.keys(SCHEME_CODES).find((k) => SCHEME_CODES[k] === b[5]) ?? bad(`unknown scheme code ${b[5]}`);
  if (b[6] !== CIPHER_CHACHA20) bad(`unknown cipher code ${b[6]}`);
  const binding =
    (Object.keys(BINDING_CODES) as Binding[]).find((k) => BINDING_CODES[k] === b[7]) ??
    bad(`unknown binding code ${b[7]}`);
  const n = b.readUInt32LE(40);
  if (b.length !== HEADER_BYTES + ENTRY_BYTES * n)
    bad(`${n} entries need ${HEADER_BYTES + ENTRY_BYTES * n} bytes, the entry has ${b.length}`);
  const entries: TfliteLockEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = HEADER_BYTES + ENTRY_BYTES * i;
    entries.push({
      tensor: b.readUInt32LE(at),
      kind: b[at + 4],
      axis: b[at + 5],
      a: b.readUInt32LE(at + 8),
      b: b.readUInt32LE(at + 12),
    });
  }
  return {
    scheme,
    binding,
    lockId: b.toString('hex', 8, 24),
    keyId: b.toString('hex', 24, 32),
    salt: b.toString('hex', 32, 40),
    entries,
  };
}
