/**
 * The one way edgelock reads an input file (models, data, packages, JSON records; key files follow the same rules
 * in src/keys/key-file.ts): a regular file only
 * (no devices, FIFOs or directories: `/dev/zero` would never end, a FIFO would block), opened without blocking,
 * and at most `maxBytes` long — checked on the open descriptor before anything is read, then read exactly that
 * size (a file that grows meanwhile is refused, not read on). Errors name the file, never its content.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'fs';
import { EdgelockError } from '../errors';
import type { ErrorCode } from '../errors/catalogue';

/** Upper bound for model, package and data files (a TFLite Micro model is KBs; MNIST as float32 is 188 MB). */
export const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

export interface ReadInputOptions {
  /** Refuse files larger than this (default MAX_INPUT_BYTES). */
  maxBytes?: number;
  /** The error code for a file that cannot be opened (default E_FILE_NOT_FOUND). */
  missingCode?: ErrorCode;
  /** What the file is, for messages ("key file", "dataset"...). */
  what?: string;
}

export function readInputFile(path: string, o: ReadInputOptions = {}): Buffer {
  const maxBytes = o.maxBytes ?? MAX_INPUT_BYTES;
  const what = o.what ? `${o.what} ` : '';
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EdgelockError(
      o.missingCode ?? 'E_FILE_NOT_FOUND',
      `cannot read ${what}'${path}'${code ? ` (${code})` : ''}`,
      { file: path },
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory()
        ? 'a directory'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : st.isFIFO()
            ? 'a pipe'
            : st.isSocket()
              ? 'a socket'
              : 'not a regular file';
      throw new EdgelockError('E_INPUT_NOT_REGULAR', `${what}'${path}' is ${kind}; edgelock reads regular files only`, {
        file: path,
      });
    }
    if (st.size > maxBytes) {
      throw new EdgelockError(
        'E_INPUT_TOO_LARGE',
        `${what}'${path}' is ${st.size} bytes, more than the ${maxBytes} bytes edgelock reads`,
        { file: path },
      );
    }
    const out = Buffer.alloc(st.size);
    let off = 0;
    while (off < out.length) {
      const n = readSync(fd, out, off, out.length - off, off);
      if (n === 0)
        throw new EdgelockError(o.missingCode ?? 'E_FILE_NOT_FOUND', `${what}'${path}' shrank while being read`, {
          file: path,
        });
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
