/**
 * The edgelock serial protocol, defined once. Everything the firmware needs (frame layout, command ids,
 * status codes, limits, payload layouts) is generated from this file into firmware-tools/include/el_protocol.h
 * by scripts/gen-protocol.ts; test/protocol checks that the committed header matches.
 *
 * Wire format: each frame is COBS-encoded and followed by one 0x00 delimiter. The decoded frame is
 *   magic u8 | version u8 | type u8 | seq u16 LE | length u16 LE | payload[length] | crc32 u32 LE
 * with the CRC-32 (IEEE 802.3, reflected, as zlib) over every byte before it. A response has
 * type = request type | RESPONSE_FLAG, the request's sequence number, and a payload that starts with a status byte.
 */
import type { ErrorCode } from '../errors/catalogue';

export const PROTOCOL_MAGIC = 0xe1;
export const PROTOCOL_VERSION = 1;
export const FIRMWARE_VERSION = { major: 0, minor: 1, patch: 0 } as const;
export const RESPONSE_FLAG = 0x80;
export const FRAME_DELIMITER = 0x00;

/** Decoded frame layout: byte offsets of header fields. */
export const FRAME_LAYOUT = {
  magicOffset: 0,
  versionOffset: 1,
  typeOffset: 2,
  seqOffset: 3,
  lengthOffset: 5,
  headerSize: 7,
  crcSize: 4,
} as const;

export const LIMITS = {
  /** Largest payload in one frame (request or response). */
  maxPayload: 4096,
  keySlots: 1,
  keySize: 32,
  kcvSize: 32,
  uidSize: 16,
  boardNameSize: 24,
  modelSlots: 2,
  modelSlotSize: 512 * 1024,
  sha256Size: 32,
  /** Largest tensor rank a TENSOR_DESC record carries (the runtime's EL_MAX_DIMS). */
  ioDims: 6,
} as const;

/** Raw (pre-COBS) frame size bound and encoded bound (COBS adds at most one byte per 254, plus the delimiter). */
export const MAX_RAW_FRAME = FRAME_LAYOUT.headerSize + LIMITS.maxPayload + FRAME_LAYOUT.crcSize;
export const MAX_ENCODED_FRAME = MAX_RAW_FRAME + Math.ceil(MAX_RAW_FRAME / 254) + 1;

/** The message the device HMACs with its key to produce the key-check value. */
export const KCV_MESSAGE = 'check';

export type FieldType = 'u8' | 'u16' | 'u32' | 'bytes' | 'rest';
export interface Field {
  name: string;
  type: FieldType;
  /** byte count for 'bytes' */
  size?: number;
  doc?: string;
}

export interface StatusDef {
  name: string;
  value: number;
  /** true when the command succeeded (the status is informational) */
  ok: boolean;
  /** host error code thrown for this status; absent for ok statuses */
  error?: ErrorCode;
  doc: string;
}

export const STATUSES: readonly StatusDef[] = [
  { name: 'OK', value: 0x00, ok: true, doc: 'done' },
  { name: 'OK_UNCHANGED', value: 0x01, ok: true, doc: 'nothing to do: the requested state was already there (e.g. the same key written again)' },
  { name: 'ERR_VERSION', value: 0x10, ok: false, error: 'E_DEVICE_VERSION', doc: 'the frame has a protocol version the firmware does not speak' },
  { name: 'ERR_UNKNOWN_COMMAND', value: 0x11, ok: false, error: 'E_DEVICE_UNKNOWN_COMMAND', doc: 'the command id is not implemented by this firmware' },
  { name: 'ERR_BAD_LENGTH', value: 0x12, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'the payload length does not fit the command' },
  { name: 'ERR_BAD_ARGUMENT', value: 0x13, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'a field of the payload is out of range' },
  { name: 'ERR_STALE_SEQ', value: 0x14, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'the sequence number is behind the last executed request (a late duplicate); not executed. Body: STALE_SEQ record' },
  { name: 'ERR_KEY_CONFLICT', value: 0x20, ok: false, error: 'E_DEVICE_KEY_CONFLICT', doc: 'the key slot already holds a different key; it is write-once' },
  { name: 'ERR_KEY_EMPTY', value: 0x21, ok: false, error: 'E_DEVICE_KEY_EMPTY', doc: 'the key slot has not been provisioned' },
  { name: 'ERR_KEY_SLOT', value: 0x22, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'no such key slot' },
  { name: 'ERR_MODEL_SLOT', value: 0x30, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'no such model slot' },
  { name: 'ERR_MODEL_TOO_LARGE', value: 0x31, ok: false, error: 'E_DEVICE_MODEL_TOO_LARGE', doc: 'the model does not fit the slot' },
  { name: 'ERR_MODEL_SEQUENCE', value: 0x32, ok: false, error: 'E_DEVICE_MODEL_SEQUENCE', doc: 'chunk or end without a begin, or a chunk at an unexpected offset' },
  { name: 'ERR_MODEL_HASH', value: 0x33, ok: false, error: 'E_DEVICE_MODEL_HASH', doc: 'the SHA-256 of the stored model differs from the one announced' },
  { name: 'ERR_MODEL_INVALID', value: 0x34, ok: false, error: 'E_DEVICE_MODEL_INVALID', doc: 'the model runtime rejected the model' },
  { name: 'ERR_MODEL_EMPTY', value: 0x35, ok: false, error: 'E_DEVICE_MODEL_EMPTY', doc: 'the model slot holds no prepared model (empty, loading, or rejected at load: then the body is a RUN_FAILURE record)' },
  { name: 'ERR_RUN', value: 0x36, ok: false, error: 'E_DEVICE_RUN', doc: 'the model runtime failed to run the model. Body: RUN_FAILURE record' },
  { name: 'ERR_STORAGE', value: 0x40, ok: false, error: 'E_DEVICE_STORAGE', doc: 'persistent storage failed (read, erase, program or verify)' },
  { name: 'ERR_INTERNAL', value: 0x7f, ok: false, error: 'E_DEVICE_INTERNAL', doc: 'an internal firmware error' },
];

export interface CommandDef {
  name: string;
  id: number;
  doc: string;
  request: Field[];
  /** response fields after the leading status byte (present only when the status is ok) */
  response: Field[];
  /** how long the host waits for one answer before it retries. QEMU's UART moves one byte per emulator main-loop
   * iteration (roughly 5-20 KB/s), and QEMU reads a pty only after noticing the host opened it (up to 1 s). */
  timeoutMs: number;
  /** development-only command (not for production provisioning) */
  development?: boolean;
}

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'PING', id: 0x01, timeoutMs: 2000,
    doc: 'Echoes its payload; used for liveness and to measure protocol efficiency.',
    request: [{ name: 'data', type: 'rest' }],
    response: [{ name: 'data', type: 'rest' }],
  },
  {
    name: 'INFO', id: 0x02, timeoutMs: 2000,
    doc: 'Board identity and state. Followed by `model_slots` records of MODEL_SLOT_INFO.',
    request: [],
    response: [
      { name: 'protocol_version', type: 'u8' },
      { name: 'fw_major', type: 'u8' },
      { name: 'fw_minor', type: 'u8' },
      { name: 'fw_patch', type: 'u8' },
      { name: 'uid', type: 'bytes', size: LIMITS.uidSize, doc: 'unique device id' },
      { name: 'board_name', type: 'bytes', size: LIMITS.boardNameSize, doc: 'ASCII, zero padded' },
      { name: 'max_payload', type: 'u16' },
      { name: 'key_slots', type: 'u8' },
      { name: 'key_mask', type: 'u8', doc: 'bit n set: key slot n is provisioned' },
      { name: 'executed', type: 'u32', doc: 'requests executed since boot (answers from the repeat cache not counted)' },
      { name: 'rx_dropped', type: 'u32', doc: 'frames dropped since boot (bad COBS, CRC, magic or length)' },
      { name: 'model_slots', type: 'u8' },
      { name: 'slots', type: 'rest', doc: 'model_slots x MODEL_SLOT_INFO' },
    ],
  },
  {
    name: 'RESET', id: 0x03, timeoutMs: 2000,
    doc: 'Answers, then restarts the firmware (RAM state, including the repeat cache, is lost).',
    request: [],
    response: [],
  },
  {
    name: 'KEY_WRITE', id: 0x10, timeoutMs: 3000,
    doc: 'Writes a key slot once. The same key again answers OK_UNCHANGED; a different key ERR_KEY_CONFLICT.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'key', type: 'bytes', size: LIMITS.keySize },
    ],
    response: [],
  },
  {
    name: 'KEY_CHECK', id: 0x11, timeoutMs: 2000,
    doc: 'Returns the key-check value HMAC-SHA256(key, "check"); the key itself never leaves the device.',
    request: [{ name: 'slot', type: 'u8' }],
    response: [{ name: 'kcv', type: 'bytes', size: LIMITS.kcvSize }],
  },
  {
    name: 'MODEL_LOAD_BEGIN', id: 0x20, timeoutMs: 5000, development: true,
    doc: 'Development-only model upload: erases a slot and starts loading `size` bytes.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'size', type: 'u32' },
    ],
    response: [],
  },
  {
    name: 'MODEL_LOAD_CHUNK', id: 0x21, timeoutMs: 5000, development: true,
    doc: 'Development-only: programs `data` at `offset` (must equal the next expected offset). Answers the next expected offset, also on ERR_MODEL_SEQUENCE.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'offset', type: 'u32' },
      { name: 'data', type: 'rest' },
    ],
    response: [{ name: 'next_offset', type: 'u32' }],
  },
  {
    name: 'MODEL_LOAD_END', id: 0x22, timeoutMs: 10000, development: true,
    doc: 'Development-only: checks the SHA-256 of the stored bytes and marks the slot ready.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'sha256', type: 'bytes', size: LIMITS.sha256Size },
    ],
    response: [],
  },
  {
    name: 'RUN', id: 0x30, timeoutMs: 20000,
    doc: 'Runs the prepared model of a slot once. `input` is every model input\'s int8 bytes, in input order. Answers the cycles of the invoke (board cycle counter; QEMU: SysTick under -icount shift=0) and `output_count` outputs, each a TENSOR_DESC record followed by its `bytes` int8 bytes. A wrong input length answers ERR_BAD_LENGTH; outputs larger than a frame ERR_BAD_ARGUMENT.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'input', type: 'rest' },
    ],
    response: [
      { name: 'cycles_lo', type: 'u32', doc: 'low 32 bits of the invoke\'s cycle count' },
      { name: 'cycles_hi', type: 'u32', doc: 'high 32 bits' },
      { name: 'output_count', type: 'u8' },
      { name: 'outputs', type: 'rest', doc: 'output_count x (TENSOR_DESC, then `bytes` bytes of data)' },
    ],
  },
  {
    name: 'MODEL_IO', id: 0x31, timeoutMs: 2000,
    doc: 'Describes the inputs and outputs of the prepared model of a slot (so the host can quantise inputs with the model\'s own scale and zero point).',
    request: [{ name: 'slot', type: 'u8' }],
    response: [
      { name: 'input_count', type: 'u8' },
      { name: 'output_count', type: 'u8' },
      { name: 'tensors', type: 'rest', doc: '(input_count + output_count) x TENSOR_DESC, inputs first' },
    ],
  },
];

/** Fixed records carried inside `rest` fields. */
export const RECORDS: Readonly<Record<string, Field[]>> = {
  STALE_SEQ: [{ name: 'last_seq', type: 'u16', doc: 'seq of the last executed request; the host continues after it' }],
  MODEL_SLOT_INFO: [
    { name: 'state', type: 'u8', doc: 'SLOT_STATE_*' },
    { name: 'size', type: 'u32' },
    { name: 'sha256', type: 'bytes', size: LIMITS.sha256Size },
  ],
  TENSOR_DESC: [
    { name: 'type', type: 'u8', doc: 'TFLite TensorType (9 = int8, 0 = float32, 2 = int32)' },
    { name: 'rank', type: 'u8' },
    { name: 'dims', type: 'bytes', size: 4 * LIMITS.ioDims, doc: 'ioDims x i32 LE; entries past `rank` are 0' },
    { name: 'scale', type: 'u32', doc: 'IEEE-754 float32 bits; 0 for float tensors' },
    { name: 'zero_point', type: 'u32', doc: 'i32, two\'s complement' },
    { name: 'bytes', type: 'u32', doc: 'data size in bytes' },
  ],
  RUN_FAILURE: [
    { name: 'el_status', type: 'u8', doc: 'the runtime\'s el_status value (firmware-tools/runtime/el_runtime.h)' },
    { name: 'failed_op', type: 'u32', doc: 'operator index it failed on, 0xFFFFFFFF when not operator-specific' },
    { name: 'name', type: 'rest', doc: 'ASCII description of the el_status, from el_status_name()' },
  ],
};

export const SLOT_STATES = { EMPTY: 0, LOADING: 1, READY: 2 } as const;

/** Command id ranges kept free for later issues, so ids never have to be renumbered. */
export const RESERVED_RANGES: readonly { from: number; to: number; purpose: string }[] = [
  { from: 0x04, to: 0x0f, purpose: 'further device management' },
  { from: 0x12, to: 0x1f, purpose: 'key store (e.g. derived keys)' },
  { from: 0x23, to: 0x2f, purpose: 'further development model commands' },
  { from: 0x32, to: 0x3f, purpose: 'further model runtime commands (tensor I/O, profiling)' },
  { from: 0x40, to: 0x4f, purpose: 'authenticated packages (FLASH_BEGIN/CHUNK/END/ACTIVATE, resumable)' },
  { from: 0x50, to: 0x5f, purpose: 'attestation (ATTEST) and watermark checks (WATERMARK)' },
];

export function commandByName(name: string): CommandDef {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new Error(`unknown protocol command ${name}`);
  return c;
}

export function statusByValue(value: number): StatusDef | undefined {
  return STATUSES.find((s) => s.value === value);
}

/** Byte size of a field list's fixed part (everything but a trailing 'rest'). */
export function fixedSize(fields: readonly Field[]): number {
  let n = 0;
  for (const f of fields) n += fieldSize(f);
  return n;
}

const SCALAR_SIZES: Readonly<Record<FieldType, number>> = { u8: 1, u16: 2, u32: 4, bytes: 0, rest: 0 };

export function fieldSize(f: Field): number {
  return f.type === 'bytes' ? (f.size ?? 0) : SCALAR_SIZES[f.type];
}
