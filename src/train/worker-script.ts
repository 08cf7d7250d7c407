/**
 * The compiled script of a worker thread: beside the calling module when it runs compiled (dist/), else the built
 * copy in dist/ (under ts-jest or tsx the sources are .ts, which a worker cannot load). Used by the data-parallel
 * trainer (parallel.ts) and the response mark's board decisions (src/response-mark/decide-boards.ts).
 */
import * as fs from 'fs';
import * as path from 'path';

/** `dir` is the caller's __dirname, `folder` its folder under src/ (and dist/), `name` the worker's base name. */
export function workerScript(dir: string, folder: string, name: string): string {
  const here = path.join(dir, `${name}.js`);
  if (fs.existsSync(here)) return here;
  const built = path.resolve(dir, '..', '..', 'dist', folder, `${name}.js`);
  if (fs.existsSync(built)) return built;
  throw new Error(`dist/${folder}/${name}.js is missing (run npm run build)`);
}
