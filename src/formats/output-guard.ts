/**
 * The check every command that writes a file runs before it does any work: an output path must not be one of
 * the command's inputs (the same file, also through a symbolic or hard link: compared by device and inode) nor
 * an existing key file (recognised by content, whatever its name: src/keys/key-file.ts), and two outputs must
 * not be the same file. `writeFileAtomic` refuses key files again at write time.
 */
import { statSync } from 'fs';
import { resolve } from 'path';
import { EdgelockError } from '../errors';
import { isKeyFile } from '../keys/key-file';

function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Inputs that are not files (a bundled dataset name such as mnist-train) simply never match. */
export function checkOutputPaths(
  outputs: ReadonlyArray<string | undefined>,
  inputs: ReadonlyArray<string | undefined>,
): void {
  const ins = new Map<string, string>();
  for (const i of inputs) {
    const id = i === undefined ? undefined : identity(i);
    if (id && !ins.has(id)) ins.set(id, i!);
  }
  const outs = new Map<string, string>();
  for (const o of outputs) {
    if (o === undefined) continue;
    const id = identity(o) ?? `path:${resolve(o)}`;
    const input = ins.get(id);
    if (input !== undefined) {
      throw new EdgelockError(
        'E_OUTPUT_IS_INPUT',
        `output '${o}' is the input '${input}'${o === input ? '' : ' (the same file through a link)'}; nothing was written`,
        { file: o },
      );
    }
    if (isKeyFile(o))
      throw new EdgelockError('E_OUTPUT_IS_KEY', `output '${o}' is an existing key file; nothing was written`, {
        file: o,
      });
    const other = outs.get(id);
    if (other !== undefined)
      throw new EdgelockError('E_USAGE', `outputs '${other}' and '${o}' are the same file`, { file: o });
    outs.set(id, o);
  }
}
