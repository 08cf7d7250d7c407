/**
 * Flash time of an authenticated package for every zoo model (compiled to int8), on host-sim and on the QEMU
 * Cortex-M4: the upload (FLASH_BEGIN erase + chunks), the board's check and activation (FLASH_END: SHA-256, tag,
 * model hash, counter, Prepare in place, one record write), and a re-flash of the same package (skipped).
 * QEMU's UART is not rate limited on a pty: its numbers measure protocol round trips and the emulated CPU's work.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { withStartedBoard } from '../board/session';
import { compileModel } from '../compiler/compile';
import { flashPackage } from '../factory/flash';
import { deriveDeviceKey } from '../keys/derive';
import { buildPackage } from '../package/build';
import { calibrationFor } from './compile';
import { Benchmark, BenchTable } from './types';
import { zooModels } from '../zoo/models-dir';

const BOARDS = ['host-sim', 'qemu-mps2-an386'];

async function compiledZoo(): Promise<{ name: string; tflite?: Uint8Array; error?: string }[]> {
  const out: { name: string; tflite?: Uint8Array; error?: string }[] = [];
  for (const z of zooModels()) {
    try {
      out.push({
        name: z.name,
        tflite: (
          await compileModel(readFileSync(z.path), {
            precision: 'int8',
            io: 'int8',
            calibration: calibrationFor(z.path),
            file: z.path,
          })
        ).bytes,
      });
    } catch (e) {
      out.push({ name: z.name, error: (e as { code?: string }).code ?? (e as Error).message });
    }
  }
  return out;
}

export const flashBench: Benchmark = {
  name: 'flash',
  async run(): Promise<BenchTable> {
    const models = await compiledZoo();
    const rows: (string | number)[][] = [];
    const master = randomBytes(32);
    for (const board of BOARDS) {
      const state = mkdtempSync(join(tmpdir(), `edgelock-bench-flash-${board}-`));
      try {
        await withStartedBoard({ board, stateDir: state }, async (c) => {
          const uid = Buffer.from((await c.info()).uid, 'hex');
          await c.keyWrite(deriveDeviceKey(master, uid));
          let counter = 1;
          for (const m of models) {
            if (!m.tflite) {
              rows.push([m.name, board, '-', `not compiled: ${m.error}`, '-', '-', '-']);
              continue;
            }
            const pkg = buildPackage(m.tflite, {
              master,
              deviceUid: uid,
              version: `1.0.${counter}`,
              securityCounter: counter++,
            }).bytes;
            let tVerify = 0n;
            const t0 = process.hrtime.bigint();
            try {
              await flashPackage(c, pkg, (e) => {
                if (e.event === 'verify') tVerify = process.hrtime.bigint();
              });
            } catch (e) {
              rows.push([
                m.name,
                board,
                pkg.length,
                `refused: ${(e as { code?: string }).code ?? (e as Error).message}`,
                '-',
                '-',
                '-',
              ]);
              continue;
            }
            const t1 = process.hrtime.bigint();
            await flashPackage(c, pkg);
            const skip = Number(process.hrtime.bigint() - t1) / 1e6;
            const upload = Number(tVerify - t0) / 1e9;
            const end = Number(t1 - tVerify) / 1e6;
            rows.push([
              m.name,
              board,
              pkg.length,
              upload.toFixed(2),
              (pkg.length / 1024 / upload).toFixed(0),
              end.toFixed(1),
              skip.toFixed(0),
            ]);
          }
        });
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    }
    return {
      title: 'Flash an authenticated package (zoo models, int8)',
      header: ['model', 'board', 'package bytes', 'upload s', 'KB/s', 'verify + activate ms', 'identical re-flash ms'],
      rows,
      notes: [
        'upload: FLASH_BEGIN (erase the inactive slot) and FLASH_CHUNK frames of 4092 bytes, one round trip each',
        'verify + activate: FLASH_END — SHA-256 of the package, HMAC-SHA256 tag under the package key, model ' +
          'SHA-256, security counter, Prepare in place, one power-safe record write',
        'identical re-flash: INFO, active package hash equal, nothing sent',
      ],
    };
  },
};
