/** Writes a package from its record values (see format.ts for the layout). */
import { createHash, createHmac } from 'crypto';
import { EdgelockError } from '../errors';
import {
  HEADER_FIELDS,
  HEADER_SIZE,
  MAX_VERSION_LENGTH,
  PACKAGE_FORMAT_VERSION,
  PACKAGE_MAGIC,
  RECORD_FIELDS,
  RECORD_HEADER_SIZE,
  RECORD_TYPES,
  RecordName,
  SEMVER,
  TAG_KINDS,
  TAG_SIZE,
  pad16,
  recordByName,
} from './format';
import { QueryLimits, encodeQueryLimits } from './query-limits';
import { ResponseMarkParams, encodeResponseMark } from './response-mark';
import { ScoreOffsetsParams, encodeScoreOffsets } from './score-offsets';
import { checkSecurityCounter } from './security-counter';

export interface PackageContents {
  model: Uint8Array;
  version: string;
  securityCounter: number;
  deviceUid: Uint8Array;
  lockDescriptor?: Uint8Array;
  watermarkCommitment?: Uint8Array;
  wrappedModelKey?: Uint8Array;
  queryLimits?: QueryLimits;
  responseMark?: ResponseMarkParams;
  scoreOffsets?: ScoreOffsetsParams;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

function checkLength(name: RecordName, value: Uint8Array): void {
  const t = recordByName(name);
  const [min, max] = typeof t.length === 'number' ? [t.length, t.length] : t.length;
  if (value.length < min || value.length > max) {
    throw new EdgelockError(
      'E_USAGE',
      `package record ${name} must hold ${min === max ? min : `${min}..${max}`} bytes, got ${value.length}`,
    );
  }
}

/** The record values in table order (absent optional records left out). */
function recordValues(c: PackageContents): [RecordName, Uint8Array][] {
  if (!SEMVER.test(c.version) || c.version.length > MAX_VERSION_LENGTH) {
    throw new EdgelockError(
      'E_USAGE',
      `--version must be a semantic version (e.g. 1.2.0) of at most ${MAX_VERSION_LENGTH} characters, got '${c.version}'`,
    );
  }
  checkSecurityCounter(c.securityCounter);
  const values: Partial<Record<RecordName, Uint8Array>> = {
    model: c.model,
    modelSha256: createHash('sha256').update(c.model).digest(),
    version: Buffer.from(c.version, 'ascii'),
    securityCounter: u32(c.securityCounter),
    deviceUid: c.deviceUid,
    lockDescriptor: c.lockDescriptor,
    watermarkCommitment: c.watermarkCommitment,
    wrappedModelKey: c.wrappedModelKey,
    queryLimits: c.queryLimits && encodeQueryLimits(c.queryLimits),
    responseMark: c.responseMark && encodeResponseMark(c.responseMark),
    scoreOffsets: c.scoreOffsets && encodeScoreOffsets(c.scoreOffsets),
  };
  const out: [RecordName, Uint8Array][] = [];
  for (const t of RECORD_TYPES) {
    const v = values[t.name];
    if (v === undefined) continue;
    checkLength(t.name, v);
    out.push([t.name, v]);
  }
  return out;
}

/** The package bytes, tagged with HMAC-SHA256 under `packageKey` (derivePackageKey of the device key). */
export function encodePackage(c: PackageContents, packageKey: Uint8Array): Buffer {
  const records = recordValues(c);
  const total = HEADER_SIZE + records.reduce((n, [, v]) => n + RECORD_HEADER_SIZE + pad16(v.length), 0) + TAG_SIZE;
  const out = Buffer.alloc(total); // zero: reserved fields and padding
  out.write(PACKAGE_MAGIC, HEADER_FIELDS.magic, 'ascii');
  out.writeUInt16LE(PACKAGE_FORMAT_VERSION, HEADER_FIELDS.formatVersion);
  out.writeUInt16LE(HEADER_SIZE, HEADER_FIELDS.headerSize);
  out.writeUInt16LE(records.length, HEADER_FIELDS.recordCount);
  out[HEADER_FIELDS.tagKind] = TAG_KINDS.hmacDevice;
  out.writeUInt32LE(total, HEADER_FIELDS.totalSize);
  let off = HEADER_SIZE;
  for (const [name, v] of records) {
    out.writeUInt16LE(recordByName(name).type, off + RECORD_FIELDS.type);
    out.writeUInt32LE(v.length, off + RECORD_FIELDS.length);
    out.set(v, off + RECORD_HEADER_SIZE);
    off += RECORD_HEADER_SIZE + pad16(v.length);
  }
  createHmac('sha256', packageKey).update(out.subarray(0, off)).digest().copy(out, off);
  return out;
}
