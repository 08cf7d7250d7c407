/**
 * The host reproduces the boards' score offsets bit for bit only if the firmware rounds every float32 product before
 * adding it (src/score-offsets/apply.ts, features.ts). The M4F and M33 FPUs have fused multiply-adds (VFMA, VMLA).
 * The boards build with -std=c99, where GCC does not contract `v += w * d`; a port built in GNU mode (-std=gnu11, GCC's
 * default) would, rounding once instead of twice, so score_offsets.c switches contraction off with a pragma. The
 * answers of a few hundred inputs rarely expose a one-ulp difference after the int8 rounding, so this checks the code
 * itself: score_offsets.c cross-compiled for both boards at -O2 and -O3, in ISO and GNU mode, holds no fused
 * multiply-add, and the same file without the pragma does in GNU mode (the check can fail).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORE_DIR } from '../firmware/firmware-sources';

const SOURCE = path.join(CORE_DIR, 'score_offsets.c');
const FUSED = /\b(vfma|vfms|vfnma|vfnms|vmla|vmls|vnmla|vnmls)(\.f32)?\b/gi;
const TARGETS = [
  ['-mcpu=cortex-m4', '-mfpu=fpv4-sp-d16'],
  ['-mcpu=cortex-m33', '-mfpu=fpv5-sp-d16'],
];

function fusedIn(source: string, target: string[], opt: string, std: string, dir: string): number {
  const obj = path.join(dir, `${path.basename(source, '.c')}${target[0].slice(6)}${opt}${std}.o`);
  execFileSync(
    'arm-none-eabi-gcc',
    [...target, '-mthumb', '-mfloat-abi=hard', std, opt, '-I', CORE_DIR, '-c', source, '-o', obj],
    { stdio: 'pipe' },
  );
  return (execFileSync('arm-none-eabi-objdump', ['-d', obj], { encoding: 'utf8' }).match(FUSED) ?? []).length;
}

test('score_offsets.c compiles to no fused multiply-add on the M4F and the M33; without its pragma a GNU-mode build would', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-offsets-fused-'));
  try {
    const text = fs.readFileSync(SOURCE, 'utf8');
    const pragma = '#pragma GCC optimize("fp-contract=off")';
    expect(text).toContain(pragma);
    const without = path.join(dir, 'score_offsets_contracted.c');
    fs.writeFileSync(without, text.replace(pragma, ''));
    for (const target of TARGETS)
      for (const opt of ['-O2', '-O3']) {
        for (const std of ['-std=c99', '-std=gnu11']) expect(fusedIn(SOURCE, target, opt, std, dir)).toBe(0);
        expect(fusedIn(without, target, opt, '-std=gnu11', dir)).toBeGreaterThan(0);
      }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
