/**
 * The edgelock package (.elp): the unit a factory station flashes. Defined once here; docs/package.md
 * describes the same layout and firmware-tools/core/package.c parses it. All integers little-endian.
 *
 *   header (32 bytes)
 *     0  4  magic "ELPK"
 *     4  2  format version (1)
 *     6  2  header size (32)
 *     8  2  record count
 *    10  1  tag kind (1 = HMAC-SHA256 under the per-device package key)
 *    11  1  reserved, 0
 *    12  4  total size of the package in bytes, tag included
 *    16 16  reserved, 0
 *   records, one after the other from offset 32, each
 *     0  2  type (RECORD_TYPES)
 *     2  2  reserved, 0
 *     4  4  value length
 *     8  8  reserved, 0
 *    16  n  value, then zero padding to the next multiple of 16
 *   tag (32 bytes, the last bytes of the file): HMAC-SHA256(package key, every byte before it)
 *
 * Every record header starts at a multiple of 16, so every value does too: the model's flatbuffer
 * (whose buffers are 16-byte aligned within the file) keeps its alignment in flash and the firmware
 * prepares it in place.
 */
import { LIMITS } from '../protocol/definition';
import { QUERY_LIMITS_SIZE } from './query-limits';
import { RESPONSE_MARK_SIZE } from './response-mark';
import { SCORE_OFFSETS_MAX_SIZE, SCORE_OFFSETS_MIN_SIZE } from './score-offsets';

export const PACKAGE_MAGIC = 'ELPK';
export const PACKAGE_FORMAT_VERSION = 1;
export const HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 16;
export const ALIGN = 16;
export const TAG_SIZE = 32;

export const HEADER_FIELDS = {
  magic: 0,
  formatVersion: 4,
  headerSize: 6,
  recordCount: 8,
  tagKind: 10,
  reserved1: 11,
  totalSize: 12,
  reservedFrom: 16,
} as const;

export const RECORD_FIELDS = { type: 0, reserved: 2, length: 4, reservedFrom: 8 } as const;

/** How the tag is computed. Only per-device packages exist (see docs/package.md, "Why per-device only"). */
export const TAG_KINDS = { hmacDevice: 1 } as const;

/** The HKDF info of the package key: HKDF-SHA256(ikm = device key, salt = empty, info). */
export const PACKAGE_KEY_INFO = 'edgelock package key v1';

export type RecordName =
  | 'model'
  | 'modelSha256'
  | 'version'
  | 'securityCounter'
  | 'deviceUid'
  | 'lockDescriptor'
  | 'watermarkCommitment'
  | 'wrappedModelKey'
  | 'queryLimits'
  | 'responseMark'
  | 'scoreOffsets';

export interface RecordType {
  name: RecordName;
  type: number;
  /** exact value length, or [min, max] */
  length: number | [number, number];
  required: boolean;
  doc: string;
}

export const MAX_VERSION_LENGTH = 32;

/** The record table: every type at most once; unknown types make a package invalid. */
export const RECORD_TYPES: readonly RecordType[] = [
  {
    name: 'model',
    type: 1,
    length: [8, LIMITS.modelSlotSize],
    required: true,
    doc: 'the .tflite flatbuffer, prepared in place by the firmware',
  },
  { name: 'modelSha256', type: 2, length: 32, required: true, doc: 'SHA-256 of the model value' },
  { name: 'version', type: 3, length: [1, MAX_VERSION_LENGTH], required: true, doc: 'semantic version, ASCII' },
  {
    name: 'securityCounter',
    type: 4,
    length: 4,
    required: true,
    doc: 'u32 anti-rollback counter: the board activates a package only when it is >= its stored counter',
  },
  {
    name: 'deviceUid',
    type: 5,
    length: LIMITS.uidSize,
    required: true,
    doc: 'the unique id of the one board this package is for',
  },
  {
    name: 'lockDescriptor',
    type: 6,
    length: [44, 65536],
    required: false,
    doc: 'copy of the model\'s "edgelock.lock" metadata (the firmware reads the one in the model)',
  },
  {
    name: 'watermarkCommitment',
    type: 7,
    length: 32,
    required: false,
    doc: 'the watermark commitment SHA-256(signature ‖ model id) from the model\'s "edgelock.watermark" metadata',
  },
  {
    name: 'wrappedModelKey',
    type: 8,
    length: 32,
    required: false,
    doc: 'the model key of a --model-key locked model, wrapped to this device (docs/security.md)',
  },
  {
    name: 'queryLimits',
    type: 9,
    length: QUERY_LIMITS_SIZE,
    required: false,
    doc: 'inference limits the board enforces: u32 lifetime, u32 per boot, u32 rate count, u32 rate window ms (query-limits.ts)',
  },
  {
    name: 'responseMark',
    type: 10,
    length: RESPONSE_MARK_SIZE,
    required: false,
    doc: 'the response mark the board applies to its answers: u32 rate per million, u16 groups, u8 levels, u8 scheme 1, 8 zero bytes (response-mark.ts)',
  },
  {
    name: 'scoreOffsets',
    type: 11,
    length: [SCORE_OFFSETS_MIN_SIZE, SCORE_OFFSETS_MAX_SIZE],
    required: false,
    doc:
      'the keyed score offsets the board adds to its answers: u8 scheme 1, u8 degrees, u8 grid, input shape, ' +
      'f32 delta and clip, f32 mean and whitening (score-offsets.ts)',
  },
];

export function recordByType(type: number): RecordType | undefined {
  return RECORD_TYPES.find((r) => r.type === type);
}

export function recordByName(name: RecordName): RecordType {
  return RECORD_TYPES.find((r) => r.name === name)!;
}

export const pad16 = (n: number): number => (n + ALIGN - 1) & ~(ALIGN - 1);

/** Semantic versioning 2.0.0 (major.minor.patch, optional pre-release and build metadata). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
