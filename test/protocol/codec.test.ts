import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { cobsDecode, cobsEncode } from '../../src/protocol/cobs';
import { crc32 } from '../../src/protocol/crc32';
import { COMMANDS, LIMITS, MAX_ENCODED_FRAME, PROTOCOL_VERSION } from '../../src/protocol/definition';
import { Frame, FrameDecoder, encodeFrame } from '../../src/protocol/frame';
import { decodeFields, encodeFields } from '../../src/protocol/payload';
import { hex, runTool } from '../firmware/el-tool';

/** Examples from the COBS article (Cheshire & Baker) as listed on Wikipedia's "Consistent Overhead Byte Stuffing". */
const seq = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const COBS_EXAMPLES: [number[], number[]][] = [
  [[0x00], [0x01, 0x01]],
  [
    [0x00, 0x00],
    [0x01, 0x01, 0x01],
  ],
  [
    [0x00, 0x11, 0x00],
    [0x01, 0x02, 0x11, 0x01],
  ],
  [
    [0x11, 0x22, 0x00, 0x33],
    [0x03, 0x11, 0x22, 0x02, 0x33],
  ],
  [
    [0x11, 0x22, 0x33, 0x44],
    [0x05, 0x11, 0x22, 0x33, 0x44],
  ],
  [
    [0x11, 0x00, 0x00, 0x00],
    [0x02, 0x11, 0x01, 0x01, 0x01],
  ],
  [seq(0x01, 254), [0xff, ...seq(0x01, 254)]],
  [
    [0x00, ...seq(0x01, 254)],
    [0x01, 0xff, ...seq(0x01, 254)],
  ],
  [seq(0x01, 255), [0xff, ...seq(0x01, 254), 0x02, 0xff]],
  [
    [...seq(0x02, 254), 0x00],
    [0xff, ...seq(0x02, 254), 0x01, 0x01],
  ],
  [
    [...seq(0x03, 253), 0x00, 0x01],
    [0xfe, ...seq(0x03, 253), 0x02, 0x01],
  ],
];

describe('CRC-32', () => {
  test('check value and agreement with zlib (TS and C)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const inputs = [Buffer.alloc(0), ...[1, 7, 64, 1000, 4107].map((n) => crypto.randomBytes(n))];
    const c = runTool(inputs.map((b) => `crc32 ${hex(b)}`));
    inputs.forEach((b, i) => {
      expect(crc32(b)).toBe(zlib.crc32(b));
      expect(parseInt(c[i], 16)).toBe(zlib.crc32(b));
    });
  });
});

describe('COBS', () => {
  test.each(COBS_EXAMPLES.map(([a, b], i) => [i, a, b]))('published example %i (TS and C)', (_i, input, encoded) => {
    expect([...cobsEncode(Buffer.from(input))]).toEqual(encoded);
    expect([...cobsDecode(Buffer.from(encoded))!]).toEqual(input);
    const [enc, dec] = runTool([`cobs ${hex(Buffer.from(input))}`, `uncobs ${hex(Buffer.from(encoded))}`]);
    expect(enc).toBe(hex(Buffer.from(encoded)));
    expect(dec).toBe(hex(Buffer.from(input)));
  });

  test('random blocks: TS and C encoders agree, output has no zero, round trip holds', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => {
      const b = crypto.randomBytes(i * 37);
      for (let k = 0; k < b.length; k += 1 + (b[k] % 300)) b[k] = 0; // sprinkle zeros
      return b;
    });
    const c = runTool(blocks.map((b) => `cobs ${hex(b)}`));
    blocks.forEach((b, i) => {
      const e = cobsEncode(b);
      expect(e.includes(0)).toBe(false);
      expect(e.length).toBeLessThanOrEqual(b.length + Math.ceil(b.length / 254) + 1);
      expect(hex(e)).toBe(c[i]);
      expect(cobsDecode(e)!.equals(b)).toBe(true);
    });
  });

  test('invalid blocks are rejected', () => {
    expect(cobsDecode(Buffer.from([0x05, 0x11]))).toBeUndefined();
    expect(cobsDecode(Buffer.from([0x02, 0x00]))).toBeUndefined();
    expect(runTool(['uncobs 0511'])[0]).toBe('invalid');
  });
});

describe('frames', () => {
  const frames: Frame[] = [
    { version: PROTOCOL_VERSION, type: 0x01, seq: 0, payload: Buffer.alloc(0) },
    { version: PROTOCOL_VERSION, type: 0x21, seq: 0xffff, payload: crypto.randomBytes(LIMITS.maxPayload) },
    { version: PROTOCOL_VERSION, type: 0x10, seq: 258, payload: Buffer.alloc(300, 0) },
  ];

  test('the C firmware encodes byte-identical frames', () => {
    const c = runTool(frames.map((f) => `frame ${f.type} ${f.seq} ${hex(f.payload)}`));
    frames.forEach((f, i) => expect(c[i]).toBe(encodeFrame(f).toString('hex')));
    expect(encodeFrame(frames[1]).length).toBeLessThanOrEqual(MAX_ENCODED_FRAME);
  });

  test('the stream decoder recovers frames around garbage, corruption and truncation', () => {
    const got: Frame[] = [];
    const dec = new FrameDecoder((f) => got.push(f));
    const good = frames.map(encodeFrame);
    const corrupt = Buffer.from(good[0]);
    corrupt[3] ^= 0x40;
    const truncated = good[1].subarray(0, 100);
    dec.push(
      Buffer.concat([
        crypto.randomBytes(50).map((b) => b || 1),
        Buffer.from([0]),
        good[0],
        corrupt,
        truncated,
        Buffer.from([0]),
        good[1],
        Buffer.alloc(3),
        good[2],
      ]),
    );
    expect(got.map((f) => f.seq)).toEqual([0, 0xffff, 258]);
    expect(got[1].payload.equals(frames[1].payload)).toBe(true);
    expect(dec.dropped).toBeGreaterThanOrEqual(3);
  });

  test('an endless block without delimiter is dropped without growing memory', () => {
    const got: Frame[] = [];
    const dec = new FrameDecoder((f) => got.push(f));
    dec.push(Buffer.alloc(MAX_ENCODED_FRAME * 3, 0x55));
    dec.push(Buffer.from([0]));
    dec.push(encodeFrame(frames[0]));
    expect(got.length).toBe(1);
    expect(dec.dropped).toBe(1);
  });
});

describe('payload layouts', () => {
  test('round trip every command layout with random values', () => {
    for (const c of COMMANDS) {
      for (const fields of [c.request, c.response]) {
        const values = Object.fromEntries(
          fields.map((f) => [
            f.name,
            f.type === 'u8'
              ? 0xab
              : f.type === 'u16'
                ? 0xabcd
                : f.type === 'u32'
                  ? 0xdeadbeef
                  : crypto.randomBytes(f.size ?? 17),
          ]),
        );
        const decoded = decodeFields(fields, encodeFields(fields, values));
        expect(decoded).toEqual(values);
      }
    }
  });

  test('wrong sizes are rejected', () => {
    const kw = COMMANDS.find((c) => c.name === 'KEY_WRITE')!;
    expect(decodeFields(kw.request, Buffer.alloc(32))).toBeUndefined();
    expect(decodeFields(kw.request, Buffer.alloc(34))).toBeUndefined();
    expect(() => encodeFields(kw.request, { slot: 0, key: Buffer.alloc(31) })).toThrow();
  });
});
