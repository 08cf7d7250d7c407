/**
 * Reads a package with the same checks the firmware makes (firmware-tools/core/package.c), so a package
 * the host accepts is one the board parses. The tag can only be checked with the device's package key
 * (verifyPackageTag); without it its validity is unknown.
 */
import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { EdgelockError } from '../errors';
import {
  ALIGN,
  HEADER_FIELDS,
  HEADER_SIZE,
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
  recordByType,
} from './format';
import { QueryLimits, decodeQueryLimits } from './query-limits';
import { ResponseMarkParams, decodeResponseMark } from './response-mark';
import { ScoreOffsetsParams, decodeScoreOffsets } from './score-offsets';
import { COUNTER_RESERVED } from './security-counter';

export interface PackageRecord {
  name: RecordName;
  type: number;
  /** offset of the record header in the package */
  offset: number;
  /** offset of the value (a multiple of 16) */
  valueOffset: number;
  length: number;
}

export interface DecodedPackage {
  formatVersion: number;
  tagKind: number;
  totalSize: number;
  records: PackageRecord[];
  model: Buffer;
  modelSha256: string;
  version: string;
  securityCounter: number;
  deviceUid: string;
  lockDescriptor?: Buffer;
  watermarkCommitment?: string;
  wrappedModelKey?: Buffer;
  /** inference limits the board enforces (absent: none) */
  queryLimits?: QueryLimits;
  /** the response mark the board applies (absent: none) */
  responseMark?: ResponseMarkParams;
  scoreOffsets?: ScoreOffsetsParams;
  /** the bytes the tag covers and the tag */
  signed: Buffer;
  tag: Buffer;
  /** SHA-256 of the whole package: what the board reports as its active package hash */
  sha256: string;
}

function bad(msg: string, file?: string): never {
  throw new EdgelockError('E_PACKAGE_INVALID', `${file ? `'${file}': ` : ''}${msg}`, file ? { file } : {});
}

function allZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

export function decodePackage(bytes: Uint8Array, file?: string): DecodedPackage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER_SIZE + TAG_SIZE) bad(`${b.length} bytes is shorter than a package header and tag`, file);
  if (b.toString('latin1', 0, 4) !== PACKAGE_MAGIC) bad('no ELPK magic', file);
  const formatVersion = b.readUInt16LE(HEADER_FIELDS.formatVersion);
  if (formatVersion !== PACKAGE_FORMAT_VERSION)
    bad(`format version ${formatVersion}, this edgelock reads ${PACKAGE_FORMAT_VERSION}`, file);
  if (b.readUInt16LE(HEADER_FIELDS.headerSize) !== HEADER_SIZE)
    bad(`header size ${b.readUInt16LE(HEADER_FIELDS.headerSize)}, expected ${HEADER_SIZE}`, file);
  const count = b.readUInt16LE(HEADER_FIELDS.recordCount);
  const tagKind = b[HEADER_FIELDS.tagKind];
  if (tagKind !== TAG_KINDS.hmacDevice) bad(`unknown tag kind ${tagKind}`, file);
  const totalSize = b.readUInt32LE(HEADER_FIELDS.totalSize);
  if (totalSize !== b.length) bad(`the header says ${totalSize} bytes, the package has ${b.length}`, file);
  if (b[HEADER_FIELDS.reserved1] !== 0 || !allZero(b.subarray(HEADER_FIELDS.reservedFrom, HEADER_SIZE)))
    bad('reserved header bytes are not zero', file);
  if (totalSize % ALIGN !== 0) bad(`total size ${totalSize} is not a multiple of ${ALIGN}`, file);
  const tagAt = totalSize - TAG_SIZE;
  const records: PackageRecord[] = [];
  const values = new Map<RecordName, Buffer>();
  let off = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (off + RECORD_HEADER_SIZE > tagAt) bad(`record ${i} header at offset ${off} runs past the records`, file);
    const type = b.readUInt16LE(off + RECORD_FIELDS.type);
    const length = b.readUInt32LE(off + RECORD_FIELDS.length);
    if (
      b.readUInt16LE(off + RECORD_FIELDS.reserved) !== 0 ||
      !allZero(b.subarray(off + RECORD_FIELDS.reservedFrom, off + RECORD_HEADER_SIZE))
    ) {
      bad(`record ${i} (offset ${off}): reserved bytes are not zero`, file);
    }
    const t = recordByType(type);
    if (!t) bad(`record ${i} (offset ${off}) has unknown type ${type}`, file);
    if (values.has(t.name)) bad(`record ${t.name} appears twice`, file);
    const [min, max] = typeof t.length === 'number' ? [t.length, t.length] : t.length;
    if (length < min || length > max)
      bad(`record ${t.name} holds ${length} bytes, expected ${min === max ? min : `${min}..${max}`}`, file);
    const valueOffset = off + RECORD_HEADER_SIZE;
    const end = valueOffset + pad16(length);
    if (end > tagAt) bad(`record ${t.name} (offset ${off}, ${length} bytes) runs past the records`, file);
    if (!allZero(b.subarray(valueOffset + length, end))) bad(`record ${t.name}: padding bytes are not zero`, file);
    records.push({ name: t.name, type, offset: off, valueOffset, length });
    values.set(t.name, b.subarray(valueOffset, valueOffset + length));
    off = end;
  }
  if (off !== tagAt) bad(`${tagAt - off} bytes between the last record and the tag`, file);
  for (const t of RECORD_TYPES)
    if (t.required && !values.has(t.name)) bad(`the required record ${t.name} is missing`, file);
  const model = values.get('model')!;
  const modelSha256 = values.get('modelSha256')!.toString('hex');
  if (createHash('sha256').update(model).digest('hex') !== modelSha256)
    bad('the model bytes do not match the model SHA-256 record', file);
  const version = values.get('version')!.toString('latin1');
  if (!SEMVER.test(version)) bad(`version '${version}' is not a semantic version`, file);
  const securityCounter = values.get('securityCounter')!.readUInt32LE(0);
  if (securityCounter === COUNTER_RESERVED)
    bad(`security counter ${COUNTER_RESERVED} is reserved (a board holding it could take no later package)`, file);
  const limitsValue = values.get('queryLimits');
  const queryLimits = limitsValue ? decodeQueryLimits(limitsValue) : undefined;
  if (typeof queryLimits === 'string') bad(`record queryLimits: ${queryLimits}`, file);
  const markValue = values.get('responseMark');
  const responseMark = markValue ? decodeResponseMark(markValue) : undefined;
  if (typeof responseMark === 'string') bad(`record responseMark: ${responseMark}`, file);
  const offsetsValue = values.get('scoreOffsets');
  const scoreOffsets = offsetsValue ? decodeScoreOffsets(offsetsValue) : undefined;
  if (typeof scoreOffsets === 'string') bad(`record scoreOffsets: ${scoreOffsets}`, file);
  return {
    formatVersion,
    tagKind,
    totalSize,
    records,
    model,
    modelSha256,
    version,
    securityCounter,
    deviceUid: values.get('deviceUid')!.toString('hex'),
    lockDescriptor: values.get('lockDescriptor'),
    watermarkCommitment: values.get('watermarkCommitment')?.toString('hex'),
    wrappedModelKey: values.get('wrappedModelKey'),
    queryLimits,
    responseMark,
    scoreOffsets,
    signed: b.subarray(0, tagAt),
    tag: b.subarray(tagAt),
    sha256: createHash('sha256').update(b).digest('hex'),
  };
}

/** True when the tag verifies under the package key (derivePackageKey of the device key). */
export function verifyPackageTag(pkg: DecodedPackage, packageKey: Uint8Array): boolean {
  const expect = createHmac('sha256', packageKey).update(pkg.signed).digest();
  return timingSafeEqual(expect, pkg.tag);
}
