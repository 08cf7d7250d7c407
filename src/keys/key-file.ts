/**
 * The vendor master key file: exactly 32 random bytes, raw, created with mode 0600 and never
 * overwritten. Errors name the file, never its content.
 */
import { randomBytes } from 'crypto';
import { closeSync, constants, fstatSync, openSync, readSync, writeSync, fsyncSync, unlinkSync } from 'fs';
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
    throw new EdgelockError('E_FILE_WRITE', `cannot write '${path}' (${(e as NodeJS.ErrnoException).code ?? 'I/O error'})`, { file: path });
  } finally {
    key.fill(0);
  }
}

/** Reads a key file; it must hold exactly 32 bytes. */
export function readKeyFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EdgelockError('E_KEY_FILE', `cannot read key file '${path}'${code ? ` (${code})` : ''}`, { file: path });
  }
  try {
    const size = fstatSync(fd).size;
    if (size !== KEY_BYTES) throw new EdgelockError('E_KEY_FILE', `key file '${path}' holds ${size} bytes, a key is ${KEY_BYTES}`, { file: path });
    const key = Buffer.alloc(KEY_BYTES);
    let off = 0;
    while (off < KEY_BYTES) {
      const n = readSync(fd, key, off, KEY_BYTES - off, off);
      if (n === 0) throw new EdgelockError('E_KEY_FILE', `key file '${path}' is truncated`, { file: path });
      off += n;
    }
    return key;
  } finally {
    closeSync(fd);
  }
}
