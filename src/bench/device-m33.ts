/**
 * The TrustZone-M rows of the device benchmark (issue 14): every zoo model on qemu-mps2-an505 as a plain int8
 * package, locked (seal, device-bound) in RAM mode and locked in streaming mode (build flavour lock-streaming), the
 * instructions per inference of each (secure SysTick under -icount shift=0: 50 instructions per tick), the unseal RAM
 * each mode needs, the cost of the secure call around an inference (PROBE_CALL_CYCLES of a tz-probe build: the
 * non-secure SysTick around el_tz_command(RUN) minus the secure invoke), the cost of the response mark and of the score
 * offsets per RUN (the same secure call with a package that carries them, minus without), and the secure/non-secure
 * image sizes.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { boardByName, ensureBuilt } from '../board';
import { withStartedBoard } from '../board/session';
import { buildDir } from '../board/build';
import { compileModel } from '../compiler/compile';
import { DeviceClient } from '../device/client';
import { flashPackage } from '../factory/flash';
import { deriveDeviceKey } from '../keys/derive';
import { compileLocked } from '../lock/compile-locked';
import { lockModel } from '../lock/lock-model';
import { readOnnx, writeOnnx } from '../onnx';
import { buildPackage } from '../package/build';
import { RESPONSE_MARK_DEFAULTS, ResponseMarkParams } from '../package/response-mark';
import { ScoreOffsetsParams } from '../package/score-offsets';
import { SCORE_OFFSETS_DEFAULTS } from '../score-offsets/calibrate';
import { readTfliteDescriptor } from '../lock/tflite-lock';
import { readTflite } from '../tflite/reader';
import { calibrationFor } from './compile';
import { zooModels } from '../zoo/models-dir';

const BOARD = 'qemu-mps2-an505';
/** SysTick on mps2-an505 (20 MHz core clock) under `-icount shift=0`: the board table's 50 guest instructions per tick. */
export const M33_INSTRUCTIONS_PER_TICK = boardByName(BOARD).instructionsPerTick!;
const LOCK_RAM_BYTES = 128 * 1024;
const MASTER = Buffer.alloc(32, 0x5a);

const a16 = (n: number) => Math.ceil(n / 16) * 16;
/** The response mark of the measured packages: 0.5%, scheme 2, no gate (the package defaults). */
const MARK: ResponseMarkParams = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };

/** Unseal RAM of a locked .tflite: RAM mode (every sealed tensor) and streaming (the largest operator's sealed inputs). */
export function unsealRam(locked: Uint8Array): { ram: number; streaming: number } {
  const d = readTfliteDescriptor(locked)!;
  const info = readTflite(locked);
  const sg = info.subgraphs[0];
  const size = (t: number) => a16(info.buffers[sg.tensors[t].buffer].size);
  const sealed = new Set(d.entries.map((e) => e.tensor));
  const ram = [...sealed].reduce((n, t) => n + size(t), 0);
  const streaming = Math.max(
    0,
    ...sg.operators.map((op) => op.inputs.filter((t) => t >= 0 && sealed.has(t)).reduce((n, t) => n + size(t), 0)),
  );
  return { ram, streaming };
}

/** text+data (flash) and data+bss (RAM) of an ELF, from arm-none-eabi-size. */
function elfSize(elf: string): { flash: number; ram: number } {
  const line = execFileSync('arm-none-eabi-size', [elf], { encoding: 'utf8' })
    .trim()
    .split('\n')[1]
    .trim()
    .split(/\s+/)
    .map(Number);
  return { flash: line[0] + line[1], ram: line[1] + line[2] };
}

interface Prepared {
  name: string;
  plain?: Uint8Array;
  locked?: Uint8Array;
  error?: string;
  /** instructions the first marked RUN of the boot spent preparing the mark key (measured on the first model only) */
  markPrepared?: number;
}

function session<T>(flavour: string, state: string, fn: (c: DeviceClient) => Promise<T>): Promise<T> {
  return withStartedBoard({ board: BOARD, stateDir: state, flavour }, fn);
}

/** Flashes `model` as the next package and returns the secure invoke ticks of one RUN (inputs at their zero point). */
async function flashAndRun(
  c: DeviceClient,
  model: Uint8Array,
  uid: Buffer,
  counter: number,
  extras: { responseMark?: ResponseMarkParams; scoreOffsets?: ScoreOffsetsParams } = {},
): Promise<{ ticks: number; slot: number }> {
  const { slot } = await flashPackage(
    c,
    buildPackage(model, {
      master: MASTER,
      deviceUid: uid,
      version: `1.0.${counter}`,
      securityCounter: counter,
      ...extras,
    }).bytes,
  );
  const io = await c.modelIo(slot);
  const input = new Int8Array(io.inputs[0].bytes).fill(io.inputs[0].zeroPoint);
  return { ticks: (await c.run(slot, input)).cycles, slot };
}

/**
 * A score-offsets record for a model's image input [1, H, W, C] (the cost does not depend on the calibration: the
 * default shape, zero mean, identity whitening), or null for other inputs.
 */
function offsetsForCost(tflite: Uint8Array): ScoreOffsetsParams | null {
  const sg = readTflite(tflite).subgraphs[0];
  const s = sg.tensors[sg.inputs[0]].shape;
  const classes = sg.tensors[sg.outputs[0]].shape.reduce((a, b) => a * b, 1);
  if (s.length !== 4 || s[0] !== 1 || s[1] < 2 || s[2] < 2 || classes < 2) return null;
  const { degrees, clip } = SCORE_OFFSETS_DEFAULTS;
  const m = degrees * degrees;
  return {
    degrees,
    grid: Math.min(SCORE_OFFSETS_DEFAULTS.grid, s[1], s[2]),
    height: s[1],
    width: s[2],
    channels: s[3],
    delta: 1,
    clip,
    mean: new Float32Array(m),
    whiten: Float32Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0)),
  };
}

export async function m33Rows(): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const state = mkdtempSync(join(tmpdir(), 'edgelock-bench-m33-'));
  let counter = 1;
  try {
    const prepared: Prepared[] = [];
    const plainTicks = new Map<string, number>();
    const ramTicks = new Map<string, number>();
    // tz-probe build: plain and locked-RAM packages, and the whole secure call around each plain RUN.
    await session('tz-probe', state, async (c) => {
      const uid = Buffer.from((await c.info()).uid, 'hex');
      await c.keyWrite(deriveDeviceKey(MASTER, uid));
      const material = { master: MASTER, deviceUid: uid };
      for (const z of zooModels()) {
        const p: Prepared = { name: z.name };
        prepared.push(p);
        try {
          const opts = {
            precision: 'int8' as const,
            io: 'int8' as const,
            calibration: calibrationFor(z.path),
            file: z.path,
          };
          p.plain = (await compileModel(readFileSync(z.path), opts)).bytes;
          const lockedOnnx = writeOnnx(
            lockModel(readOnnx(readFileSync(z.path), z.path), material, { binding: 'device', scheme: 'seal' }).model,
          );
          p.locked = (await compileLocked(lockedOnnx, material, opts)).bytes;
        } catch (e) {
          p.error = `not compiled: ${(e as { code?: string }).code ?? (e as Error).message}`;
          continue;
        }
        try {
          const plain = await flashAndRun(c, p.plain, uid, counter++);
          const call = (await c.call('PROBE_CALL_CYCLES')).fields;
          plainTicks.set(z.name, plain.ticks);
          rows.push([
            `${z.name} on M33: secure call around RUN`,
            `${((call.cycles as number) - plain.ticks) * M33_INSTRUCTIONS_PER_TICK} instructions ` +
              `(${call.cycles} ticks for el_tz_command(RUN) seen from the non-secure side, ${plain.ticks} of them ` +
              `the secure invoke)`,
          ]);
          ramTicks.set(z.name, (await flashAndRun(c, p.locked, uid, counter++)).ticks);
          // the same plain model with the response mark: the secure call now also derives the board's mark key in
          // the key store and hashes the coarse input (every answer: there is no gate), whatever the decision
          try {
            const marked = await flashAndRun(c, p.plain, uid, counter++, { responseMark: MARK });
            // a second RUN: the first of a boot also prepares the mark key's HMAC state (counted separately below)
            const firstCall = (await c.call('PROBE_CALL_CYCLES')).fields.cycles as number;
            const io = await c.modelIo(marked.slot);
            await c.run(marked.slot, new Int8Array(io.inputs[0].bytes).fill(io.inputs[0].zeroPoint));
            const markedCall = (await c.call('PROBE_CALL_CYCLES')).fields.cycles as number;
            if (!prepared.some((q) => q.markPrepared !== undefined))
              p.markPrepared = (firstCall - markedCall) * M33_INSTRUCTIONS_PER_TICK;
            const extra = (markedCall - (call.cycles as number)) * M33_INSTRUCTIONS_PER_TICK;
            const input = readTflite(p.plain).subgraphs[0];
            const n = input.tensors[input.inputs[0]].shape.reduce((a, b) => a * b, 1);
            const invoke = marked.ticks === plain.ticks ? 'unchanged' : `${marked.ticks} ticks against ${plain.ticks}`;
            rows.push([
              `${z.name} on M33: response mark per RUN`,
              `${extra} instructions (${((extra / (plain.ticks * M33_INSTRUCTIONS_PER_TICK)) * 100).toFixed(1)}% of ` +
                `the inference; ${n} input bytes; the secure invoke ${invoke})` +
                (p.markPrepared !== undefined
                  ? `; the first marked RUN after boot also prepares the mark key: +${p.markPrepared} instructions once`
                  : ''),
            ]);
          } catch (e) {
            rows.push([
              `${z.name} on M33: response mark per RUN`,
              `not measured: ${(e as { code?: string }).code ?? (e as Error).message}`,
            ]);
          }
          // the same plain model with score offsets (an image input only): features, signs and offsets on every RUN
          const offsets = offsetsForCost(p.plain);
          if (offsets) {
            try {
              const withOffsets = await flashAndRun(c, p.plain, uid, counter++, { scoreOffsets: offsets });
              const firstCall = (await c.call('PROBE_CALL_CYCLES')).fields.cycles as number;
              const io = await c.modelIo(withOffsets.slot);
              await c.run(withOffsets.slot, new Int8Array(io.inputs[0].bytes).fill(io.inputs[0].zeroPoint));
              const offsetCall = (await c.call('PROBE_CALL_CYCLES')).fields.cycles as number;
              const extra = (offsetCall - (call.cycles as number)) * M33_INSTRUCTIONS_PER_TICK;
              rows.push([
                `${z.name} on M33: score offsets per RUN`,
                `${extra} instructions (${((extra / (plain.ticks * M33_INSTRUCTIONS_PER_TICK)) * 100).toFixed(1)}% of ` +
                  `the inference; ${offsets.height} × ${offsets.width} × ${offsets.channels} input); the first RUN ` +
                  `after boot also prepares the score key: +${(firstCall - offsetCall) * M33_INSTRUCTIONS_PER_TICK} ` +
                  'instructions once',
              ]);
            } catch (e) {
              rows.push([
                `${z.name} on M33: score offsets per RUN`,
                `not measured: ${(e as { code?: string }).code ?? (e as Error).message}`,
              ]);
            }
          }
        } catch (e) {
          p.error = `failed: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
        }
      }
    });
    // lock-streaming build on the same state (same uid and key): the locked packages again.
    const streamTicks = new Map<string, number>();
    await session('lock-streaming', state, async (c) => {
      const uid = Buffer.from((await c.info()).uid, 'hex');
      for (const p of prepared) {
        if (p.error || !p.locked) continue;
        try {
          streamTicks.set(p.name, (await flashAndRun(c, p.locked, uid, counter++)).ticks);
        } catch (e) {
          p.error = `streaming failed: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
        }
      }
    });
    const mi = (t: number) => `${((t * M33_INSTRUCTIONS_PER_TICK) / 1e6).toFixed(3)} M`;
    const pct = (t: number, base: number) => `${t >= base ? '+' : ''}${((t / base - 1) * 100).toFixed(1)}%`;
    for (const p of prepared) {
      if (p.error) {
        rows.push([`${p.name} on M33`, p.error]);
        continue;
      }
      const base = plainTicks.get(p.name)!;
      const r = ramTicks.get(p.name)!;
      const s = streamTicks.get(p.name)!;
      const ram = unsealRam(p.locked!);
      rows.push([
        `${p.name} on M33 (instructions per inference)`,
        `plain ${mi(base)}; locked-RAM ${mi(r)} (${pct(r, base)}, unseal RAM ${ram.ram} B); ` +
          `locked-streaming ${mi(s)} (${pct(s, base)}, unseal RAM ${ram.streaming} B)`,
      ]);
    }
    for (const flavour of ['default', 'tz-probe', 'lock-streaming']) {
      ensureBuilt(boardByName(BOARD), flavour);
      const dir = buildDir(boardByName(BOARD), flavour);
      const s = elfSize(join(dir, 'secure.elf'));
      const ns = elfSize(join(dir, 'nonsecure.elf'));
      rows.push([
        `qemu-mps2-an505 ${flavour} build: image sizes`,
        `secure: flash ${s.flash} B, RAM ${s.ram} B; non-secure: flash ${ns.flash} B, RAM ${ns.ram} B`,
      ]);
    }
    rows.push([
      'unseal RAM per slot (EL_LOCK_RAM_BYTES)',
      `${LOCK_RAM_BYTES} B: RAM mode needs every sealed tensor, streaming the largest operator's`,
    ]);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
  return rows;
}
