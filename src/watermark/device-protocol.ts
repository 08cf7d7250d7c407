/**
 * DeviceTriggerPort over the serial protocol (WATERMARK_BEGIN / WATERMARK_BASES / WATERMARK_END, docs/protocol.md):
 * the board regenerates the stamp from the signature itself (firmware-tools/core/watermark.c), stamps the base
 * samples it is sent, runs its installed model and answers arg-max labels. Only the signature, the public
 * parameters and the unstamped bases travel.
 *
 * Bytes on the wire: when the bases hold at most 256 distinct float32 values (images stored as bytes, e.g. MNIST's
 * k/255), they travel as one byte per value indexing a table of those exact float32 values sent with BEGIN
 * (lossless: the device sees the very same float32 numbers); otherwise as float32. Frames carry whole samples when a
 * sample fits one frame.
 */
import { DeviceClient } from '../device/client';
import { EdgelockError } from '../errors';
import { LIMITS, commandByName, fixedSize } from '../protocol/definition';
import type { DeviceTriggerPort, DeviceTriggerRequest } from './device-port';

export const ENCODING_F32 = 0;
export const ENCODING_TABLE = 1;
const TABLE_MAX = 256;

export interface ProtocolPortOptions {
  /** Model slot holding the model to check (default 0). */
  slot?: number;
  /**
   * Channels C when the device model's input is channels-last ([.., H, W, C]) while the samples are in ONNX order
   * [C, H, W]; 1 when the input takes the samples' order. Default: read the device input shape — a rank-4 input is
   * taken as edgelock's default channels-last layout (C = its last dimension), anything else as 1.
   */
  channels?: number;
  /** Called after every WATERMARK_BASES answer. */
  onProgress?: (samplesDone: number, samplesTotal: number) => void;
}

export interface DeviceRunStats {
  encoding: 'table' | 'float32';
  frames: number;
  /** payload bytes sent (BEGIN + BASES) */
  bytesSent: number;
  /** cycles of the invokes, from the board's counter (QEMU under -icount shift=0: SysTick ticks, 40 instructions each) */
  cycles: number;
  seconds: number;
}

export interface ProtocolTriggerPort extends DeviceTriggerPort {
  /** Statistics of the last runTriggers call. */
  lastRun?: DeviceRunStats;
}

/** The bases as table indices when they have at most 256 distinct float32 values, else null. */
export function tableEncoding(values: Float32Array): { table: Float32Array; indices: Uint8Array } | null {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const index = new Map<number, number>();
  const indices = new Uint8Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    let k = index.get(bits[i]);
    if (k === undefined) {
      if (index.size === TABLE_MAX) return null;
      k = index.size;
      index.set(bits[i], k);
    }
    indices[i] = k;
  }
  const table = new Float32Array(new Uint32Array(Array.from(index.keys())).buffer);
  return { table, indices };
}

const f32bits = (v: number): number => new Uint32Array(Float32Array.of(v).buffer)[0];

async function inputChannels(client: DeviceClient, slot: number): Promise<number> {
  const io = await client.modelIo(slot);
  if (io.inputs.length !== 1)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `the model in slot ${slot} has ${io.inputs.length} inputs; a watermark check needs one`,
    );
  const shape = io.inputs[0].shape;
  return shape.length === 4 ? shape[3] : 1;
}

export function protocolTriggerPort(client: DeviceClient, opts: ProtocolPortOptions = {}): ProtocolTriggerPort {
  const slot = opts.slot ?? 0;
  const port: ProtocolTriggerPort = {
    async runTriggers(r: DeviceTriggerRequest): Promise<Int32Array> {
      const t0 = Date.now();
      const S = r.sampleSize;
      if (r.bases.length !== r.count * S)
        throw new EdgelockError('E_WATERMARK_DATA', `${r.bases.length} base values for ${r.count} samples of ${S}`);
      for (let i = 0; i < r.bases.length; i++) {
        if (!Number.isFinite(r.bases[i]))
          throw new EdgelockError('E_WATERMARK_DATA', `base value ${i} is not a finite number`);
      }
      const channels = opts.channels ?? (await inputChannels(client, slot));
      const coded = tableEncoding(r.bases);
      const encoding = coded ? ENCODING_TABLE : ENCODING_F32;
      const table = coded
        ? Buffer.from(coded.table.buffer, coded.table.byteOffset, coded.table.byteLength)
        : Buffer.alloc(0);
      const wire = coded
        ? Buffer.from(coded.indices.buffer, coded.indices.byteOffset, coded.indices.byteLength)
        : Buffer.from(r.bases.buffer, r.bases.byteOffset, r.bases.byteLength);
      const vsize = coded ? 1 : 4;
      const begin = {
        slot,
        encoding,
        channels,
        sample_size: S,
        positions: r.positions,
        delta: f32bits(r.delta),
        lo: f32bits(r.range[0]),
        hi: f32bits(r.range[1]),
        signature: Buffer.from(r.signature),
        table,
      };
      // values per frame: the payload room, whole samples when one fits, and at most as many answers as a frame carries
      const room = Math.floor((LIMITS.maxPayload - fixedSize(commandByName('WATERMARK_BASES').request)) / vsize);
      const maxLabels = Math.floor((LIMITS.maxPayload - 1 - fixedSize(commandByName('WATERMARK_BASES').response)) / 2);
      const perFrame = room >= S ? Math.min(Math.floor(room / S), maxLabels) * S : room;
      const labels = new Int32Array(r.count);
      const total = r.count * S;
      let done = 0;
      let frames = 1;
      let bytesSent = fixedSize(commandByName('WATERMARK_BEGIN').request) + table.length;
      let cycles = 0;
      await client.call('WATERMARK_BEGIN', begin);
      try {
        for (let off = 0; off < total; off += perFrame) {
          const n = Math.min(perFrame, total - off);
          const values = wire.subarray(off * vsize, (off + n) * vsize);
          const f = (await client.call('WATERMARK_BASES', { offset: off, values })).fields;
          frames++;
          bytesSent += 4 + values.length;
          if (f.next_offset !== off + n)
            throw new EdgelockError(
              'E_DEVICE_FRAME',
              `WATERMARK_BASES: the device is at value ${f.next_offset}, the host sent up to ${off + n}`,
            );
          const got = f.labels as Buffer;
          const completed = Math.floor((off + n) / S) - Math.floor(off / S);
          if (got.length !== 2 * completed)
            throw new EdgelockError(
              'E_DEVICE_FRAME',
              `WATERMARK_BASES: ${got.length / 2} labels for ${completed} completed samples`,
            );
          for (let k = 0; k < completed; k++) labels[done + k] = got.readUInt16LE(2 * k);
          done += completed;
          cycles += (f.cycles_hi as number) * 2 ** 32 + (f.cycles_lo as number);
          opts.onProgress?.(done, r.count);
        }
      } finally {
        await client.call('WATERMARK_END').catch(() => undefined); // wipes the stamp; a failure must not hide the first error
      }
      port.lastRun = {
        encoding: coded ? 'table' : 'float32',
        frames: frames + 1,
        bytesSent,
        cycles,
        seconds: (Date.now() - t0) / 1000,
      };
      return labels;
    },
  };
  return port;
}
