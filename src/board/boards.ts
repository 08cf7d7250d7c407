import * as path from 'path';

/** Repository root (this file lives in src/board or dist/board). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface LaunchSpec {
  command: string;
  args: string[];
  /** working directory of the board process */
  cwd: string;
}

/**
 * The arguments of an emulated MPS2 board running `elf`: no display or monitor, the UART on `serial` ('pty' for the
 * protocol, 'null' when the program talks by semihosting only), semihosting on (file names relative to QEMU's
 * working directory), and -icount shift=0 so that SysTick counts instructions deterministically.
 */
export function qemuArgs(machine: string, cpu: string, elf: string, serial: 'pty' | 'null'): string[] {
  return [
    ...['-M', machine, '-cpu', cpu, '-display', 'none', '-monitor', 'none', '-serial', serial],
    ...['-semihosting-config', 'enable=on,target=native', '-icount', 'shift=0', '-kernel', elf],
  ];
}

export interface BoardDef {
  name: string;
  description: string;
  /** tools that must be on PATH to build and run */
  tools: string[];
  /** board source folder (has a Makefile taking BUILD_DIR) */
  sourceDir: string;
  /** the built artefact, relative to the build directory */
  artefact: string;
  launch(artefact: string, stateDir: string): LaunchSpec;
  /** where the device key and a locked model's plaintext (unsealed) weights live on this board, for summaries */
  secrets: string;
  /** QEMU boards (-icount shift=0, 1 ns per instruction): guest instructions per tick of the counter RUN reports;
   * absent where the counter is not an instruction count (host-sim: nanoseconds) */
  instructionsPerTick?: number;
  /** matches the complete line the running board prints with its serial port (group 1: the path); anchored at
   * the line's end so a log file read while the line is being written never yields a truncated path */
  portPattern: RegExp;
}

/** Every board edgelock can build and start. */
export const BOARDS: readonly BoardDef[] = [
  {
    name: 'qemu-mps2-an386',
    description: 'Cortex-M4 (QEMU mps2-an386), CMSDK UART on a pty, state through semihosting files',
    tools: ['make', 'arm-none-eabi-gcc', 'qemu-system-arm'],
    sourceDir: 'boards/qemu-mps2-an386',
    artefact: 'firmware.elf',
    instructionsPerTick: 40, // SysTick on the 25 MHz core clock
    secrets:
      'one address space: the device key and unsealed weights are in the same RAM as the UART and protocol code (no hardware isolation; docs/security.md)',
    // -icount shift=0: one instruction per virtual ns, so SysTick counts deterministically (1 tick = 40 instructions).
    // Semihosting file names are relative to QEMU's working directory: the state directory.
    launch: (elf, stateDir) => ({
      command: 'qemu-system-arm',
      args: qemuArgs('mps2-an386', 'cortex-m4', elf, 'pty'),
      cwd: stateDir,
    }),
    portPattern: /char device redirected to (\/dev\/\S+) \(label/,
  },
  {
    name: 'qemu-mps2-an505',
    description:
      'Cortex-M33 with TrustZone-M (QEMU mps2-an505): keys, storage, packages and the model runtime in the ' +
      'secure image, UART and protocol in the non-secure one',
    tools: ['make', 'arm-none-eabi-gcc', 'qemu-system-arm'],
    sourceDir: 'boards/qemu-mps2-an505',
    artefact: 'secure.elf',
    instructionsPerTick: 50, // SysTick on the 20 MHz core clock
    secrets:
      'secure world only: the device key and unsealed weights are in TrustZone-secure RAM the non-secure ' +
      'UART/protocol image cannot read (SAU + MPC; test/device/trustzone-probe.test.ts)',
    // QEMU boots the secure image (-kernel, vector table at 0x10000000); the non-secure image is loaded beside it.
    // -icount shift=0 as on the M4 board: SysTick at 20 MHz ticks once per 50 instructions.
    launch: (elf, stateDir) => ({
      command: 'qemu-system-arm',
      args: [
        ...qemuArgs('mps2-an505', 'cortex-m33', elf, 'pty'),
        '-device',
        `loader,file=${path.join(path.dirname(elf), 'nonsecure.elf')}`,
      ],
      cwd: stateDir,
    }),
    portPattern: /char device redirected to (\/dev\/\S+) \(label/,
  },
  {
    name: 'host-sim',
    description: 'the firmware built natively for Linux on a pseudo-terminal (fast tests, sanitizers, fuzzing)',
    tools: ['make', 'gcc'],
    sourceDir: 'boards/host-sim',
    artefact: 'edgelock-host-sim',
    secrets: 'a Linux process: the device key and unsealed weights are in its memory (simulation, no isolation)',
    launch: (bin, stateDir) => ({ command: bin, args: ['--state', stateDir], cwd: stateDir }),
    portPattern: /edgelock-host-sim: serial port (\/dev\/\S+)\n/,
  },
];
