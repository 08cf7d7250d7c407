import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cArrayHeader } from '../../src/compiler/c-array';

/** The header compiles as C11 and C++11, the array is 16-byte aligned and holds the exact bytes. */
const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-carray-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MAIN = `
#include <stdio.h>
#include <stdint.h>
#include "model.h"
int main(void) {
  unsigned long sum = 0;
  for (unsigned int i = 0; i < my_model_tflite_len; i++) sum = sum * 31u + my_model_tflite[i];
  printf("%u %lu %d\\n", my_model_tflite_len, sum, (int)(((uintptr_t)my_model_tflite) % 16));
  return 0;
}
`;

function expected(): string {
  let sum = 0n;
  for (const b of bytes) sum = (sum * 31n + BigInt(b)) & 0xffffffffffffffffn;
  return `${bytes.length} ${sum} 0`;
}

test.each([
  ['gcc', ['-std=c11', '-x', 'c']],
  ['g++', ['-std=c++11', '-x', 'c++']],
])('%s builds and runs a program reading the array', (cc, flags) => {
  fs.writeFileSync(path.join(dir, 'model.h'), cArrayHeader(bytes, 'my-model.tflite'));
  fs.writeFileSync(path.join(dir, 'main.c'), MAIN);
  const exe = path.join(dir, `main-${cc}`);
  execFileSync(cc, [...flags, '-Wall', '-Werror', '-o', exe, path.join(dir, 'main.c')], { cwd: dir });
  expect(execFileSync(exe).toString().trim()).toBe(expected());
});
