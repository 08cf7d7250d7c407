/**
 * The runtime's bare-metal QEMU harness (firmware-tools/runtime/qemu/el_qemu_run.c): runs .tflite models on
 * the emulated Cortex-M4 (mps2-an386, `-icount shift=0`) with the optimised kernels and with the reference
 * loops in the same build, and reports both outputs and SysTick ticks per operator (40 instructions each).
 * Used by `npm run bench -- device` (instructions per operator type) and the kernel property tests.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BUILD_FLAVOURS } from '../board/build';
import { BOARDS, REPO_ROOT, qemuArgs } from '../board/boards';

/** SysTick on mps2-an386 under `-icount shift=0` (the board table's figure: 40 guest instructions per tick). */
export const INSTRUCTIONS_PER_TICK = BOARDS.find((b) => b.name === 'qemu-mps2-an386')!.instructionsPerTick!;

export interface QemuRunResult {
  status: string;
  arenaUsed?: number;
  macs?: number;
  /** total ticks of the optimised and the reference invoke */
  fast?: number;
  ref?: number;
  /** per operator: [name, optimised ticks, reference ticks] */
  ops?: [string, number, number][];
  outFast?: Buffer;
  outRef?: Buffer;
}

/** Builds the harness for a firmware build flavour (make decides whether anything changed). */
export function buildQemuRuntimeHarness(flavour = 'default'): string {
  const flags = BUILD_FLAVOURS[flavour];
  if (!flags) throw new Error(`unknown flavour ${flavour}`);
  const dir = join(REPO_ROOT, 'build', `el_qemu_run-${flavour}`);
  execFileSync(
    'make',
    [
      '-s',
      '-C',
      join(REPO_ROOT, 'firmware-tools/runtime/qemu'),
      `BUILD_DIR=${dir}`,
      ...(flags.length ? [`EXTRA_CFLAGS=${flags.join(' ')}`] : []),
    ],
    { stdio: 'pipe' },
  );
  return join(dir, 'el_qemu_run.elf');
}

/** Runs every (model, input) pair in one QEMU boot. */
export function runOnQemu(
  elf: string,
  jobs: { model: Uint8Array; input: Uint8Array }[],
  timeoutMs = 600_000,
): QemuRunResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'el-qemu-run-'));
  try {
    jobs.forEach((j, k) => {
      writeFileSync(join(dir, `model${k}.tflite`), j.model);
      writeFileSync(join(dir, `input${k}.bin`), j.input);
    });
    const r = spawnSync('qemu-system-arm', qemuArgs('mps2-an386', 'cortex-m4', elf, 'null'), {
      cwd: dir,
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 16 << 20,
    });
    if (r.status !== 0) throw new Error(`qemu exited with ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    const lines = r.stdout.split('\n').filter((l) => l.trim());
    if (lines.length !== jobs.length)
      throw new Error(`harness answered ${lines.length} of ${jobs.length} models: ${r.stdout.slice(-500)}`);
    return lines.map((l, k) => {
      const j = JSON.parse(l) as {
        status: string;
        arena_used?: number;
        macs?: number;
        fast?: number;
        ref?: number;
        ops?: [string, number, number][];
      };
      const res: QemuRunResult = {
        status: j.status,
        arenaUsed: j.arena_used,
        macs: j.macs,
        fast: j.fast,
        ref: j.ref,
        ops: j.ops,
      };
      if (j.status === 'ok') {
        res.outFast = readFileSync(join(dir, `out${k}.fast.bin`));
        res.outRef = readFileSync(join(dir, `out${k}.ref.bin`));
      }
      return res;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
