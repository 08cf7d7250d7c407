import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'fs';
import { basename, dirname, join } from 'path';
import { EdgelockError } from '../errors';
import { isKeyFile } from '../keys/key-file';

/**
 * Writes a file so that readers see either the old content or the complete new content:
 * temp file in the same directory, fsync, rename. An interrupted write leaves no partial file.
 * An existing key file is never replaced (E_OUTPUT_IS_KEY; commands check earlier with checkOutputPaths).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  if (isKeyFile(path))
    throw new EdgelockError('E_OUTPUT_IS_KEY', `output '${path}' is an existing key file; nothing was written`, {
      file: path,
    });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean up */
    }
    throw new EdgelockError('E_FILE_WRITE', `cannot write '${path}': ${(e as Error).message}`, { file: path });
  }
}
