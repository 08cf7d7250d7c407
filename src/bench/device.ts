import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { withStartedBoard } from '../board/session';
import { compileModel } from '../compiler/compile';
import { DeviceClient } from '../device/client';
import { measureTransfer } from '../device/transfer-stats';
import { calibrationFor } from './compile';
import { buildQemuRuntimeHarness, INSTRUCTIONS_PER_TICK, runOnQemu } from './qemu-runtime';
import { REPO_ROOT } from '../board/boards';
import { execFileSync } from 'child_process';
import { readTflite } from '../tflite/reader';
import { m33Rows } from './device-m33';
import { kernelLayers } from './kernel-layers';
import { Benchmark, BenchTable } from './types';
import { zooModels } from '../zoo/models-dir';

const mi = (ticks: number) => ((ticks * INSTRUCTIONS_PER_TICK) / 1e6).toFixed(2);

/** Instructions per inference, per MAC and per operator type, optimised vs reference, both build flavours. */
function kernelRows(models: { name: string; bytes: Uint8Array }[]): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const jobs = models.map((m) => {
    const sg = readTflite(m.bytes).subgraphs[0];
    const bytes = sg.inputs.reduce((n, t) => n + sg.tensors[t].shape.reduce((a, b) => a * b, 1), 0); // int8 inputs
    return { model: m.bytes, input: new Uint8Array(bytes) };
  });
  for (const flavour of ['default', 'single-rounding']) {
    const results = runOnQemu(buildQemuRuntimeHarness(flavour), jobs);
    results.forEach((r, i) => {
      if (r.status !== 'ok') {
        rows.push([`${models[i].name} kernels (${flavour})`, `failed: ${r.status}`]);
        return;
      }
      const perMac = (t: number) => ((t * INSTRUCTIONS_PER_TICK) / r.macs!).toFixed(2);
      rows.push([
        `${models[i].name} kernels (${flavour} build)`,
        `${mi(r.fast!)} M instructions (${perMac(r.fast!)} per MAC), reference loops ${mi(r.ref!)} M ` +
          `(${perMac(r.ref!)} per MAC); ${r.macs} MACs; arena ${r.arenaUsed} B; outputs ` +
          `identical: ${r.outFast!.equals(r.outRef!)}`,
      ]);
      if (flavour !== 'default') return;
      const byType = new Map<string, [number, number]>();
      for (const [op, f, ref] of r.ops!) {
        const t = byType.get(op) ?? [0, 0];
        byType.set(op, [t[0] + f, t[1] + ref]);
      }
      rows.push([
        `${models[i].name} per operator type`,
        [...byType].map(([op, [f, ref]]) => `${op} ${mi(f)} M (reference ${mi(ref)} M)`).join('; '),
      ]);
    });
  }
  return rows;
}

/** Representative single-operator layers (./kernel-layers.ts): optimised vs reference, default build. */
function layerRows(): (string | number)[][] {
  const layers = kernelLayers();
  const jobs = layers.map((l) => {
    const sg = readTflite(l.bytes).subgraphs[0];
    const bytes = sg.inputs.reduce((n, t) => n + sg.tensors[t].shape.reduce((a, b) => a * b, 1), 0);
    return { model: l.bytes, input: new Uint8Array(bytes).map((_, i) => (i * 29) & 0xff) };
  });
  return runOnQemu(buildQemuRuntimeHarness('default'), jobs).map((r, i) => {
    if (r.status !== 'ok') return [`layer ${layers[i].name}`, `failed: ${r.status}`];
    const per = (t: number) => ((t * INSTRUCTIONS_PER_TICK) / r.macs!).toFixed(2);
    return [
      `layer ${layers[i].name} (default build)`,
      `${mi(r.fast!)} M instructions (${per(r.fast!)} per MAC or element), reference loops ${mi(r.ref!)} M ` +
        `(${per(r.ref!)}); ${(r.ref! / r.fast!).toFixed(1)}x; ${r.macs} MACs/elements; outputs ` +
        `identical: ${r.outFast!.equals(r.outRef!)}`,
    ];
  });
}

/** Code size of the runtime (every source of sources.txt, firmware flags: -O2 Cortex-M4), arm-none-eabi-size. */
function codeSizeRow(): (string | number)[] {
  const dir = mkdtempSync(join(tmpdir(), 'edgelock-size-'));
  try {
    const runtime = join(REPO_ROOT, 'firmware-tools/runtime');
    const sources = readFileSync(join(runtime, 'sources.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const objs = sources.map((src, i) => {
      const obj = join(dir, `${i}.o`);
      execFileSync('arm-none-eabi-gcc', [
        '-mcpu=cortex-m4',
        '-mthumb',
        '-mfloat-abi=hard',
        '-mfpu=fpv4-sp-d16',
        '-std=c99',
        '-O2',
        '-ffunction-sections',
        '-fdata-sections',
        '-c',
        join(runtime, src),
        '-o',
        obj,
      ]);
      return obj;
    });
    const out = execFileSync('arm-none-eabi-size', ['-t', ...objs], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!
      .trim()
      .split(/\s+/);
    return [
      'runtime code size (arm-none-eabi-size, -O2 Cortex-M4, all sources)',
      `text ${out[0]} B, data ${out[1]} B, bss ${out[2]} B`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withBoard<T>(board: string, fn: (c: DeviceClient) => Promise<T>): Promise<T> {
  const state = mkdtempSync(join(tmpdir(), `edgelock-bench-${board}-`));
  try {
    return await withStartedBoard({ board, stateDir: state, flavour: 'dev' }, fn); // models go in by development upload
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** Issue 4's device benchmark: protocol efficiency of a 300 KB transfer, instructions per inference on QEMU. */
export const deviceBench: Benchmark = {
  name: 'device',
  async run(): Promise<BenchTable> {
    const rows: (string | number)[][] = [];
    const compiledZoo: { name: string; bytes: Uint8Array }[] = [];
    // The largest zoo model compiled to int8 (mnist-mlp, ~115 KB): the firmware validates uploads.
    const mlp = zooModels().find((z) => z.name === 'mnist-mlp');
    if (mlp) {
      const model = (
        await compileModel(readFileSync(mlp.path), {
          precision: 'int8',
          io: 'int8',
          calibration: calibrationFor(mlp.path),
          file: mlp.path,
        })
      ).bytes;
      const t = await withBoard('host-sim', (c) => measureTransfer(c, model, 1));
      rows.push([
        `${(t.bytes / 1024).toFixed(0)} KB development upload (host-sim)`,
        `efficiency ${t.efficiency.toFixed(3)}, ${t.roundTrips} round trips, ${t.retries} retries, ${t.seconds.toFixed(2)} s`,
      ]);
    }
    await withBoard('qemu-mps2-an386', async (c) => {
      for (const z of zooModels()) {
        let compiled;
        try {
          compiled = await compileModel(readFileSync(z.path), {
            precision: 'int8',
            io: 'int8',
            calibration: calibrationFor(z.path),
            file: z.path,
          });
        } catch (e) {
          rows.push([`${z.name} on QEMU`, `not compiled: ${(e as { code?: string }).code ?? (e as Error).message}`]);
          continue;
        }
        compiledZoo.push({ name: z.name, bytes: compiled.bytes });
        try {
          const t0 = process.hrtime.bigint();
          await c.loadModelDev(Buffer.from(compiled.bytes), 0);
          const upload = Number(process.hrtime.bigint() - t0) / 1e9;
          const io = await c.modelIo(0);
          const input = new Int8Array(io.inputs[0].bytes).fill(io.inputs[0].zeroPoint);
          const r = await c.run(0, input);
          rows.push([
            `${z.name} on QEMU`,
            `${r.cycles} ticks = ${((r.cycles * INSTRUCTIONS_PER_TICK) / 1e6).toFixed(2)} M instructions per ` +
              `inference; ${compiled.bytes.length} B uploaded in ${upload.toFixed(1)} s`,
          ]);
        } catch (e) {
          rows.push([`${z.name} on QEMU`, `failed: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`]);
        }
      }
    });
    rows.push(...kernelRows(compiledZoo), ...layerRows(), codeSizeRow());
    rows.push(...(await m33Rows()));
    return {
      title:
        'device: protocol efficiency and instructions per inference (QEMU mps2-an386 Cortex-M4 and mps2-an505 Cortex-M33 with TrustZone-M, -icount shift=0)',
      header: ['measurement', 'result'],
      rows,
      notes: [
        'per-operator rows: the bare-metal harness firmware-tools/runtime/qemu/el_qemu_run.c on the same QEMU ' +
          'board, optimised kernels and the reference loops (el_model_use_reference_kernels) in one build, ' +
          'SysTick around each operator; M = million instructions',
        'QEMU does not pace its UART: upload times measure the emulator, not a line rate',
        'input: every element at the input zero point (the cost of an int8 inference does not depend on the values)',
        'M33 rows (src/bench/device-m33.ts): models flashed as packages; locked = seal, device-bound; RAM mode ' +
          'restores every sealed tensor once at unlock, streaming (flavour lock-streaming) restores each ' +
          "operator's sealed inputs before it runs; ticks of the secure SysTick = 50 instructions",
      ],
    };
  },
};
