import { existsSync, readdirSync } from 'fs';
import { join, resolve } from 'path';

export interface ZooEntry {
  name: string;
  path: string;
}

/** The repository's models/ directory: the zoo's ONNX files, zoo.json and the synthetic tasks' scripts. */
export const MODELS_DIR = resolve(__dirname, '..', '..', 'models');

/** The zoo models present in models/ (and models/pytorch/), in a stable order. */
export function zooModels(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const dir of [MODELS_DIR, join(MODELS_DIR, 'pytorch')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.onnx'))
        out.push({ name: (dir === MODELS_DIR ? '' : 'pytorch/') + f.replace(/\.onnx$/, ''), path: join(dir, f) });
    }
  }
  return out;
}
