import { Field, FieldType, fixedSize } from './definition';

export type FieldValue = number | Buffer;
export type Values = Record<string, FieldValue>;

interface FieldCodec {
  write(buf: Buffer, off: number, v: FieldValue, f: Field): void;
  read(buf: Buffer, off: number, f: Field, end: number): FieldValue;
}

function asNumber(v: FieldValue, f: Field): number {
  if (typeof v !== 'number') throw new TypeError(`field ${f.name} needs a number`);
  return v;
}

function asBytes(v: FieldValue, f: Field): Buffer {
  if (typeof v === 'number') throw new TypeError(`field ${f.name} needs bytes`);
  return v;
}

const CODECS: Readonly<Record<FieldType, FieldCodec>> = {
  u8: { write: (b, o, v, f) => b.writeUInt8(asNumber(v, f), o), read: (b, o) => b.readUInt8(o) },
  u16: { write: (b, o, v, f) => b.writeUInt16LE(asNumber(v, f), o), read: (b, o) => b.readUInt16LE(o) },
  u32: { write: (b, o, v, f) => b.writeUInt32LE(asNumber(v, f) >>> 0, o), read: (b, o) => b.readUInt32LE(o) },
  bytes: {
    write: (b, o, v, f) => {
      const bytes = asBytes(v, f);
      if (bytes.length !== f.size) throw new RangeError(`field ${f.name} needs ${f.size} bytes, got ${bytes.length}`);
      bytes.copy(b, o);
    },
    read: (b, o, f) => Buffer.from(b.subarray(o, o + (f.size ?? 0))),
  },
  rest: { write: (b, o, v, f) => asBytes(v, f).copy(b, o), read: (b, o, _f, end) => Buffer.from(b.subarray(o, end)) },
};

/** Serialises values in the field order of a layout (all little-endian). */
export function encodeFields(fields: readonly Field[], values: Values): Buffer {
  const rest = fields.find((f) => f.type === 'rest');
  const restLen = rest ? asBytes(values[rest.name] ?? Buffer.alloc(0), rest).length : 0;
  const buf = Buffer.alloc(fixedSize(fields) + restLen);
  let off = 0;
  for (const f of fields) {
    const v = values[f.name] ?? (f.type === 'rest' ? Buffer.alloc(0) : undefined);
    if (v === undefined) throw new TypeError(`missing field ${f.name}`);
    CODECS[f.type].write(buf, off, v, f);
    off += f.type === 'rest' ? restLen : fixedSize([f]);
  }
  return buf;
}

/** Parses a payload by layout; returns undefined when it is too short or (without a 'rest' field) too long. */
export function decodeFields(fields: readonly Field[], buf: Buffer): Values | undefined {
  const need = fixedSize(fields);
  const hasRest = fields.some((f) => f.type === 'rest');
  if (buf.length < need || (!hasRest && buf.length !== need)) return undefined;
  const out: Values = {};
  let off = 0;
  for (const f of fields) {
    out[f.name] = CODECS[f.type].read(buf, off, f, buf.length);
    off += fixedSize([f]);
  }
  return out;
}
