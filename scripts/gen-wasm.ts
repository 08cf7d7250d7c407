/**
 * Assembles the trainer's WebAssembly kernels, src/train/gemm-wasm.wat → src/train/gemm-wasm.wasm,
 * with wabt (the WebAssembly Binary Toolkit's wat2wasm, npm package `wabt`, a devDependency).
 * The .wasm is committed and loaded at run time; test/train/gemm-wasm-module.test.ts checks it
 * against a fresh assembly.
 *
 *   npx tsx scripts/gen-wasm.ts            # rewrite the .wasm
 */
import * as fs from 'fs';
import * as path from 'path';
import wabt from 'wabt';

export const WAT_FILE = path.resolve(__dirname, '..', 'src', 'train', 'gemm-wasm.wat');
export const WASM_FILE = WAT_FILE.replace(/\.wat$/, '.wasm');

/** The binary of a .wat file: validated, no name section, canonical LEB128s (so the bytes depend only on the text). */
export async function assembleWat(file: string): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat(path.basename(file), fs.readFileSync(file, 'utf8'), { simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    return Uint8Array.from(mod.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

async function main(): Promise<void> {
  const bytes = await assembleWat(WAT_FILE);
  fs.writeFileSync(WASM_FILE, bytes);
  process.stdout.write(`wrote ${path.relative(process.cwd(), WASM_FILE)} (${bytes.length} bytes)\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
