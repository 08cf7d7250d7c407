import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startBoard, stopBoard } from '../board';
import { compileModel } from '../compiler/compile';
import { DeviceClient } from '../device/client';
import { measureTransfer } from '../device/transfer-stats';
import { calibrationFor } from './compile';
import { Benchmark, BenchTable } from './types';
import { zooModels } from '../zoo/models-dir';

/** SysTick on mps2-an386 under `-icount shift=0`: one tick per 40 guest instructions. */
const INSTRUCTIONS_PER_TICK = 40;

async function withBoard<T>(board: string, fn: (c: DeviceClient) => Promise<T>): Promise<T> {
  const state = mkdtempSync(join(tmpdir(), `edgelock-bench-${board}-`));
  const b = await startBoard({ board, stateDir: state, flavour: 'dev' }); // models go in by development upload
  try {
    const c = await DeviceClient.open(b.port);
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  } finally {
    await stopBoard(String(b.pid));
    rmSync(state, { recursive: true, force: true });
  }
}

/** Issue 4's device benchmark: protocol efficiency of a 300 KB transfer, instructions per inference on QEMU. */
export const deviceBench: Benchmark = {
  name: 'device',
  async run(): Promise<BenchTable> {
    const rows: (string | number)[][] = [];
    // The largest zoo model compiled to int8 (mnist-mlp, ~115 KB): the firmware validates uploads.
    const mlp = zooModels().find((z) => z.name === 'mnist-mlp');
    if (mlp) {
      const model = (await compileModel(readFileSync(mlp.path), { precision: 'int8', io: 'int8', calibration: calibrationFor(mlp.path), file: mlp.path })).bytes;
      const t = await withBoard('host-sim', (c) => measureTransfer(c, model, 1));
      rows.push([`${(t.bytes / 1024).toFixed(0)} KB development upload (host-sim)`, `efficiency ${t.efficiency.toFixed(3)}, ${t.roundTrips} round trips, ${t.retries} retries, ${t.seconds.toFixed(2)} s`]);
    }
    await withBoard('qemu-mps2-an386', async (c) => {
      for (const z of zooModels()) {
        let compiled;
        try {
          compiled = await compileModel(readFileSync(z.path), { precision: 'int8', io: 'int8', calibration: calibrationFor(z.path), file: z.path });
        } catch (e) {
          rows.push([`${z.name} on QEMU`, `not compiled: ${(e as { code?: string }).code ?? (e as Error).message}`]);
          continue;
        }
        try {
          const t0 = process.hrtime.bigint();
          await c.loadModelDev(Buffer.from(compiled.bytes), 0);
          const upload = Number(process.hrtime.bigint() - t0) / 1e9;
          const io = await c.modelIo(0);
          const input = new Int8Array(io.inputs[0].bytes).fill(io.inputs[0].zeroPoint);
          const r = await c.run(0, input);
          rows.push([`${z.name} on QEMU`, `${r.cycles} ticks = ${(r.cycles * INSTRUCTIONS_PER_TICK / 1e6).toFixed(2)} M instructions per inference; ${compiled.bytes.length} B uploaded in ${upload.toFixed(1)} s`]);
        } catch (e) {
          rows.push([`${z.name} on QEMU`, `failed: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`]);
        }
      }
    });
    return {
      title: 'device: protocol efficiency and instructions per inference (QEMU mps2-an386, -icount shift=0)',
      header: ['measurement', 'result'],
      rows,
      notes: ['QEMU does not pace its UART: upload times measure the emulator, not a line rate', 'input: every element at the input zero point (the cost of an int8 inference does not depend on the values)'],
    };
  },
};
