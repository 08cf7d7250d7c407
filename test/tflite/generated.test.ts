/** The committed bindings must be exactly what scripts/gen-tflite.sh produces from the .fbs. */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');
const committed = path.join(root, 'src/tflite/generated');
const flatcAvailable = spawnSync('flatc', ['--version']).status === 0;

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))],
    )
    .sort();
}

test('src/tflite/generated matches a fresh flatc run (flatc from flatbuffers-compiler, installed by scripts/setup.sh)', () => {
  expect({ flatcAvailable }).toEqual({ flatcAvailable: true });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-gen-'));
  try {
    execFileSync('bash', [path.join(root, 'scripts/gen-tflite.sh'), out], { stdio: 'pipe' });
    const fresh = listFiles(out);
    expect(listFiles(committed)).toEqual(fresh);
    for (const f of fresh) {
      expect({ file: f, text: fs.readFileSync(path.join(committed, f), 'utf8') }).toEqual({
        file: f,
        text: fs.readFileSync(path.join(out, f), 'utf8'),
      });
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
