import { cobsDecode, cobsEncode } from './cobs';
import { crc32 } from './crc32';
import { FRAME_DELIMITER, FRAME_LAYOUT, LIMITS, MAX_ENCODED_FRAME, PROTOCOL_MAGIC } from './definition';

export interface Frame {
  version: number;
  type: number;
  seq: number;
  payload: Buffer;
}

/** Raw frame bytes (before COBS): header, payload, CRC-32. */
export function frameBytes(f: Frame): Buffer {
  if (f.payload.length > LIMITS.maxPayload)
    throw new RangeError(`payload of ${f.payload.length} bytes exceeds ${LIMITS.maxPayload}`);
  const L = FRAME_LAYOUT;
  const raw = Buffer.alloc(L.headerSize + f.payload.length + L.crcSize);
  raw[L.magicOffset] = PROTOCOL_MAGIC;
  raw[L.versionOffset] = f.version;
  raw[L.typeOffset] = f.type;
  raw.writeUInt16LE(f.seq & 0xffff, L.seqOffset);
  raw.writeUInt16LE(f.payload.length, L.lengthOffset);
  f.payload.copy(raw, L.headerSize);
  raw.writeUInt32LE(crc32(raw, 0, L.headerSize + f.payload.length), L.headerSize + f.payload.length);
  return raw;
}

/** Wire bytes: COBS(raw frame) followed by the 0x00 delimiter. */
export function encodeFrame(f: Frame): Buffer {
  return Buffer.concat([cobsEncode(frameBytes(f)), Buffer.from([FRAME_DELIMITER])]);
}

export type FrameError = 'cobs' | 'short' | 'magic' | 'length' | 'crc';

/** Parses raw (COBS-decoded) frame bytes; never throws. */
export function parseFrame(raw: Uint8Array): { frame: Frame } | { error: FrameError } {
  const L = FRAME_LAYOUT;
  if (raw.length < L.headerSize + L.crcSize) return { error: 'short' };
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  if (b[L.magicOffset] !== PROTOCOL_MAGIC) return { error: 'magic' };
  const len = b.readUInt16LE(L.lengthOffset);
  if (len > LIMITS.maxPayload || b.length !== L.headerSize + len + L.crcSize) return { error: 'length' };
  if (crc32(b, 0, L.headerSize + len) !== b.readUInt32LE(L.headerSize + len)) return { error: 'crc' };
  return {
    frame: {
      version: b[L.versionOffset],
      type: b[L.typeOffset],
      seq: b.readUInt16LE(L.seqOffset),
      payload: Buffer.from(b.subarray(L.headerSize, L.headerSize + len)),
    },
  };
}

/**
 * Splits a byte stream into frames at 0x00 delimiters. Bytes of a block longer than the largest legal frame are
 * discarded up to the next delimiter, so garbage never grows the buffer.
 */
export class FrameDecoder {
  private buf = Buffer.alloc(MAX_ENCODED_FRAME);
  private len = 0;
  private overflow = false;
  dropped = 0;

  constructor(
    private readonly onFrame: (f: Frame) => void,
    private readonly onDrop?: (why: FrameError | 'overflow') => void,
  ) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte !== FRAME_DELIMITER) {
        if (this.len < this.buf.length) this.buf[this.len++] = byte;
        else this.overflow = true;
        continue;
      }
      const block = this.buf.subarray(0, this.len);
      const overflow = this.overflow;
      this.len = 0;
      this.overflow = false;
      if (block.length === 0) continue;
      if (overflow) {
        this.drop('overflow');
        continue;
      }
      const raw = cobsDecode(block);
      if (!raw) {
        this.drop('cobs');
        continue;
      }
      const r = parseFrame(raw);
      if ('error' in r) this.drop(r.error);
      else this.onFrame(r.frame);
    }
  }

  private drop(why: FrameError | 'overflow'): void {
    this.dropped++;
    this.onDrop?.(why);
  }
}
