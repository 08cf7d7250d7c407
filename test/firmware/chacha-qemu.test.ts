/**
 * The firmware's ChaCha20 cross-compiled for the Cortex-M4 board (hard float, -O2, as the board firmware) and run on
 * QEMU mps2-an386: the result must equal node:crypto's, and the SysTick count (under -icount shift=0, one tick per 40
 * guest instructions) gives the one-off unseal cost quoted in docs/security.md ("Overheads").
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORE_DIR } from './firmware-sources';

const ROOT = path.resolve(__dirname, '../..');
const BOARD = path.join(ROOT, 'boards', 'qemu-mps2-an386');
const LEN = 110000; // the sealed bytes of the MNIST MLP

test('ChaCha20 on the Cortex-M4 board equals node:crypto; instructions per byte', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-chacha-qemu-'));
  try {
    const elf = path.join(dir, 'bench.elf');
    execFileSync(
      'arm-none-eabi-gcc',
      [
        '-mcpu=cortex-m4',
        '-mthumb',
        '-mfloat-abi=hard',
        '-mfpu=fpv4-sp-d16',
        '-std=c99',
        '-O2',
        '-Wall',
        '-Wextra',
        '-Werror',
        `-DLEN=${LEN}u`,
        '-I',
        CORE_DIR,
        '-I',
        BOARD,
        path.join(__dirname, 'bench', 'chacha_qemu.c'),
        path.join(BOARD, 'startup.c'),
        path.join(BOARD, 'semihosting.c'),
        path.join(BOARD, 'qemu_board_common.c'),
        path.join(CORE_DIR, 'chacha20.c'),
        path.join(CORE_DIR, 'sha256.c'),
        '-nostartfiles',
        '-T',
        path.join(BOARD, 'linker.ld'),
        '--specs=nano.specs',
        '--specs=nosys.specs',
        '-Wl,--gc-sections',
        '-o',
        elf,
      ],
      { stdio: 'pipe' },
    );
    const r = spawnSync(
      'qemu-system-arm',
      [
        '-M',
        'mps2-an386',
        '-nographic',
        '-monitor',
        'none',
        '-serial',
        'none',
        '-semihosting-config',
        'enable=on,target=native',
        '-icount',
        'shift=0',
        '-kernel',
        elf,
      ],
      { timeout: 60_000, encoding: 'utf8' },
    );
    expect(r.status).toBe(0); // the program exited through SYS_EXIT
    const out = r.stdout + r.stderr; // semihosting console output goes to either, depending on QEMU's chardev setup
    const m = /ticks (\d+) sha256 ([0-9a-f]{64})/.exec(out);
    expect(m).not.toBeNull();
    const iv = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from('000000000000004a00000000', 'hex')]);
    const c = crypto.createCipheriv('chacha20', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), iv);
    const want = crypto
      .createHash('sha256')
      .update(Buffer.concat([c.update(Buffer.alloc(LEN)), c.final()]))
      .digest('hex');
    expect(m![2]).toBe(want);
    const instructions = Number(m![1]) * 40;
    expect(instructions).toBeGreaterThan(LEN); // the counter ran
    console.log(
      `ChaCha20 over ${LEN} B on qemu-mps2-an386: ${m![1]} ticks = ${instructions} instructions (${(instructions / LEN).toFixed(1)} per byte)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
