/**
 * The vendor master key file: exactly 32 random bytes, raw, created with mode 0600 and never
 * overwritten; read only when still private (no group/other bits) and not weak. Errors name the file, never
 * its content.
 */
import { randomBytes } from 'crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync, fsyncSync, unlinkSync } from 'fs';
import { EdgelockError } from '../errors';

export const KEY_BYTES = 32;

/** Creates `path` with 32 fresh random bytes (O_EXCL, mode 0600). Refuses an existing file. */
export function createKeyFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new EdgelockError('E_KEY_EXISTS', `'${path}' already exists`, { file: path });
    throw new EdgelockError('E_FILE_WRITE', `cannot create '${path}'${code ? ` (${code})` : ''}`, { file: path });
  }
  const key = randomBytes(KEY_BYTES);
  try {
    let off = 0;
    while (off < key.length) off += writeSync(fd, key, off, key.length - off);
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
    throw new EdgelockError(
      'E_FILE_WRITE',
      `cannot write '${path}' (${(e as NodeJS.ErrnoException).code ?? 'I/O error'})`,
      { file: path },
    );
  } finally {
    key.fill(0);
  }
}

/** Group/other permission bits a key file must not have (like ssh's private keys). */
export const KEY_MODE_FORBIDDEN = 0o077;
/** Fewer distinct byte values than this is not a random key: 32 uniform random bytes show fewer than 16 with probability < 1e-15. */
export const KEY_MIN_DISTINCT_BYTES = 16;

/** Refuses keys that cannot be secret: all one byte value (all-zero included) or too few distinct byte values. */
export function checkKeyStrength(key: Uint8Array, path: string): void {
  const distinct = new Set(key).size;
  if (distinct < KEY_MIN_DISTINCT_BYTES) {
    const what =
      distinct === 1 && key[0] === 0 ? 'all zero' : `only ${distinct} distinct byte value${distinct === 1 ? '' : 's'}`;
    throw new EdgelockError('E_KEY_WEAK', `key file '${path}' is ${what}: not a random key`, { file: path });
  }
}

/**
 * Reads a key file: a regular file of exactly 32 bytes, not readable by group or others (refused otherwise:
 * E_KEY_PERMISSIONS, fix with chmod 600), and not a weak key (E_KEY_WEAK). Never blocks on a FIFO or device.
 */
export function readKeyFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EdgelockError('E_KEY_FILE', `cannot read key file '${path}'${code ? ` (${code})` : ''}`, { file: path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new EdgelockError('E_KEY_FILE', `key file '${path}' is not a regular file`, { file: path });
    const size = st.size;
    if (size !== KEY_BYTES)
      throw new EdgelockError('E_KEY_FILE', `key file '${path}' holds ${size} bytes, a key is ${KEY_BYTES}`, {
        file: path,
      });
    if (process.platform !== 'win32' && (st.mode & KEY_MODE_FORBIDDEN) !== 0) {
      throw new EdgelockError(
        'E_KEY_PERMISSIONS',
        `key file '${path}' has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: readable or writable by group or others`,
        { file: path },
      );
    }
    const key = Buffer.alloc(KEY_BYTES);
    let off = 0;
    while (off < KEY_BYTES) {
      const n = readSync(fd, key, off, KEY_BYTES - off, off);
      if (n === 0) throw new EdgelockError('E_KEY_FILE', `key file '${path}' is truncated`, { file: path });
      off += n;
    }
    try {
      checkKeyStrength(key, path);
    } catch (e) {
      key.fill(0);
      throw e;
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `path` is an existing key file, judged by content: a regular file of exactly 32 bytes (no format
 * edgelock writes is that small). Used to refuse outputs that would overwrite a key, whatever its name.
 */
export function isKeyFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && st.size === KEY_BYTES;
  } catch {
    return false;
  }
}
