/**
 * The edgelock serial protocol, defined once. Everything the firmware needs (frame layout, command ids,
 * status codes, limits, payload layouts) is generated from this file into firmware-tools/core/el_protocol.h
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
  {
    name: 'OK_UNCHANGED',
    value: 0x01,
    ok: true,
    doc: 'nothing to do: the requested state was already there (e.g. the same key written again)',
  },
  {
    name: 'ERR_VERSION',
    value: 0x10,
    ok: false,
    error: 'E_DEVICE_VERSION',
    doc: 'the frame has a protocol version the firmware does not speak',
  },
  {
    name: 'ERR_UNKNOWN_COMMAND',
    value: 0x11,
    ok: false,
    error: 'E_DEVICE_UNKNOWN_COMMAND',
    doc: 'the command id is not implemented by this firmware',
  },
  {
    name: 'ERR_BAD_LENGTH',
    value: 0x12,
    ok: false,
    error: 'E_DEVICE_BAD_REQUEST',
    doc: 'the payload length does not fit the command',
  },
  {
    name: 'ERR_BAD_ARGUMENT',
    value: 0x13,
    ok: false,
    error: 'E_DEVICE_BAD_REQUEST',
    doc: 'a field of the payload is out of range',
  },
  {
    name: 'ERR_STALE_SEQ',
    value: 0x14,
    ok: false,
    error: 'E_DEVICE_BAD_REQUEST',
    doc: 'the sequence number is behind the last executed request (a late duplicate); not executed. Body: STALE_SEQ record',
  },
  {
    name: 'ERR_DEVELOPMENT_ONLY',
    value: 0x15,
    ok: false,
    error: 'E_DEVICE_DEV_ONLY',
    doc:
      'a development-only command (MODEL_LOAD_*) sent to a production firmware, which has no development ' +
      'upload; models arrive in authenticated packages (FLASH_*)',
  },
  {
    name: 'ERR_KEY_CONFLICT',
    value: 0x20,
    ok: false,
    error: 'E_DEVICE_KEY_CONFLICT',
    doc: 'the key slot already holds a different key; it is write-once',
  },
  {
    name: 'ERR_KEY_EMPTY',
    value: 0x21,
    ok: false,
    error: 'E_DEVICE_KEY_EMPTY',
    doc: 'the key slot has not been provisioned',
  },
  { name: 'ERR_KEY_SLOT', value: 0x22, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'no such key slot' },
  { name: 'ERR_MODEL_SLOT', value: 0x30, ok: false, error: 'E_DEVICE_BAD_REQUEST', doc: 'no such model slot' },
  {
    name: 'ERR_MODEL_TOO_LARGE',
    value: 0x31,
    ok: false,
    error: 'E_DEVICE_MODEL_TOO_LARGE',
    doc: 'the model does not fit the slot',
  },
  {
    name: 'ERR_MODEL_SEQUENCE',
    value: 0x32,
    ok: false,
    error: 'E_DEVICE_MODEL_SEQUENCE',
    doc: 'chunk or end without a begin, or a chunk at an unexpected offset',
  },
  {
    name: 'ERR_MODEL_HASH',
    value: 0x33,
    ok: false,
    error: 'E_DEVICE_MODEL_HASH',
    doc: 'the SHA-256 of the stored model differs from the one announced',
  },
  {
    name: 'ERR_MODEL_INVALID',
    value: 0x34,
    ok: false,
    error: 'E_DEVICE_MODEL_INVALID',
    doc: 'the model runtime rejected the model',
  },
  {
    name: 'ERR_MODEL_EMPTY',
    value: 0x35,
    ok: false,
    error: 'E_DEVICE_MODEL_EMPTY',
    doc: 'the model slot holds no prepared model (empty, loading, or rejected at load: then the body is a RUN_FAILURE record)',
  },
  {
    name: 'ERR_RUN',
    value: 0x36,
    ok: false,
    error: 'E_DEVICE_RUN',
    doc: 'the model runtime failed to run the model. Body: RUN_FAILURE record',
  },
  {
    name: 'ERR_LOCK_KEY',
    value: 0x38,
    ok: false,
    error: 'E_LOCK_KEY_MISMATCH',
    doc:
      'the slot holds a locked model and the key the device derives for it (device key, or the wrapped model ' +
      "key set for the slot) is absent or does not have the descriptor's key id; the model does not run",
  },
  {
    name: 'ERR_LOCK_DESCRIPTOR',
    value: 0x39,
    ok: false,
    error: 'E_LOCK_DESCRIPTOR',
    doc:
      "the model's edgelock.lock descriptor is malformed, of an unknown version/scheme/cipher/binding, or " +
      'names tensors the model does not have; the load is refused',
  },
  {
    name: 'ERR_LOCK_SOURCE',
    value: 0x3b,
    ok: false,
    error: 'E_LOCK_NOT_PACKAGED',
    doc:
      'the slot holds a locked model that did not arrive in a package whose tag this device verified (a ' +
      'development upload): the device derives no lock key for it and the model does not run',
  },
  {
    name: 'ERR_LOCK_RAM',
    value: 0x3a,
    ok: false,
    error: 'E_DEVICE_LOCK_RAM',
    doc: "the locked model's sealed tensors need more RAM than the firmware's unseal buffer (EL_LOCK_RAM_BYTES per slot); the load is refused",
  },
  {
    name: 'ERR_QUERY_BUDGET',
    value: 0x3c,
    ok: false,
    error: 'E_DEVICE_QUERY_BUDGET',
    doc:
      "the active package's query budget is spent (its lifetime budget under the board's security counter, " +
      'or its per-boot budget until a reset): the inference is not run; a QUERY_LIMIT record follows',
  },
  {
    name: 'ERR_QUERY_RATE',
    value: 0x3d,
    ok: false,
    error: 'E_DEVICE_QUERY_RATE',
    doc:
      "the active package's query rate is exceeded in the current window: the inference is not run; a " +
      'QUERY_LIMIT record (with the wait until the window ends) follows',
  },
  {
    name: 'ERR_PKG_INVALID',
    value: 0x50,
    ok: false,
    error: 'E_PACKAGE_INVALID',
    doc: 'the uploaded package is malformed (header, records, bounds, model SHA-256); not activated',
  },
  {
    name: 'ERR_PKG_AUTH',
    value: 0x51,
    ok: false,
    error: 'E_PACKAGE_AUTH',
    doc: "the package tag does not verify under this device's package key; not activated",
  },
  {
    name: 'ERR_PKG_DEVICE',
    value: 0x52,
    ok: false,
    error: 'E_PACKAGE_WRONG_DEVICE',
    doc: 'the package is for another device uid; not activated',
  },
  {
    name: 'ERR_PKG_ROLLBACK',
    value: 0x53,
    ok: false,
    error: 'E_PACKAGE_ROLLBACK',
    doc: "the package security counter is below the board's; not activated",
  },
  {
    name: 'ERR_FLASH_SEQUENCE',
    value: 0x54,
    ok: false,
    error: 'E_FLASH_SEQUENCE',
    doc: 'FLASH_CHUNK/FLASH_END without an upload in progress, or a chunk at an unexpected offset (the answer carries the next expected offset)',
  },
  {
    name: 'ERR_FLASH_HASH',
    value: 0x55,
    ok: false,
    error: 'E_FLASH_HASH',
    doc: 'the SHA-256 of the uploaded package differs from the one FLASH_BEGIN announced; the upload is discarded',
  },
  {
    name: 'ERR_WATERMARK_PARAMS',
    value: 0x60,
    ok: false,
    error: 'E_WATERMARK_PARAMS',
    doc:
      "WATERMARK_BEGIN parameters the slot's model or the firmware cannot use: sample size other than the " +
      "model input's element count, more positions than values or than EL_WM_MAX_SAMPLE, delta/range not " +
      'finite or empty, channels not dividing the sample, a table for another encoding, or a model that is ' +
      'not a one-input int8/float32 classifier',
  },
  {
    name: 'ERR_WATERMARK_SEQUENCE',
    value: 0x61,
    ok: false,
    error: 'E_WATERMARK_DEVICE_SEQUENCE',
    doc:
      'WATERMARK_BASES without an open check (no WATERMARK_BEGIN, after WATERMARK_END or a reset), at an ' +
      'unexpected offset, or with a partial value (the answer carries the next expected offset)',
  },
  {
    name: 'ERR_STORAGE',
    value: 0x40,
    ok: false,
    error: 'E_DEVICE_STORAGE',
    doc: 'persistent storage failed (read, erase, program or verify)',
  },
  {
    name: 'ERR_SECURE_FAULT',
    value: 0x70,
    ok: false,
    error: 'E_DEVICE_SECURE_FAULT',
    doc:
      'PROBE_READ (test builds of a TrustZone board) touched memory the non-secure image may not: the secure ' +
      'image caught the fault; a FAULT_RECORD follows, no data',
  },
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
    name: 'PING',
    id: 0x01,
    timeoutMs: 2000,
    doc: 'Echoes its payload; used for liveness and to measure protocol efficiency.',
    request: [{ name: 'data', type: 'rest' }],
    response: [{ name: 'data', type: 'rest' }],
  },
  {
    name: 'INFO',
    id: 0x02,
    timeoutMs: 2000,
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
      {
        name: 'executed',
        type: 'u32',
        doc: 'requests executed since boot (answers from the repeat cache not counted)',
      },
      { name: 'rx_dropped', type: 'u32', doc: 'frames dropped since boot (bad COBS, CRC, magic or length)' },
      { name: 'model_slots', type: 'u8' },
      {
        name: 'slots',
        type: 'rest',
        doc:
          'model_slots x MODEL_SLOT_INFO, then one PACKAGE_STATE record (absent from firmware older than ' +
          'packages), then one FIRMWARE_STATE record (absent from firmware older than build flavours), then ' +
          'one QUERY_STATE record (absent from firmware older than its INFO report of query limits)',
      },
    ],
  },
  {
    name: 'RESET',
    id: 0x03,
    timeoutMs: 2000,
    doc: 'Answers, then restarts the firmware (RAM state, including the repeat cache, is lost).',
    request: [],
    response: [],
  },
  {
    name: 'KEY_WRITE',
    id: 0x10,
    timeoutMs: 3000,
    doc: 'Writes a key slot once. The same key again answers OK_UNCHANGED; a different key ERR_KEY_CONFLICT.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'key', type: 'bytes', size: LIMITS.keySize },
    ],
    response: [],
  },
  {
    name: 'KEY_CHECK',
    id: 0x11,
    timeoutMs: 2000,
    doc: 'Returns the key-check value HMAC-SHA256(key, "check"); the key itself never leaves the device.',
    request: [{ name: 'slot', type: 'u8' }],
    response: [{ name: 'kcv', type: 'bytes', size: LIMITS.kcvSize }],
  },
  {
    name: 'MODEL_LOAD_BEGIN',
    id: 0x20,
    timeoutMs: 5000,
    development: true,
    doc: 'Development-only model upload: erases a slot and starts loading `size` bytes.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'size', type: 'u32' },
    ],
    response: [],
  },
  {
    name: 'MODEL_LOAD_CHUNK',
    id: 0x21,
    timeoutMs: 5000,
    development: true,
    doc: 'Development-only: programs `data` at `offset` (must equal the next expected offset). Answers the next expected offset, also on ERR_MODEL_SEQUENCE.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'offset', type: 'u32' },
      { name: 'data', type: 'rest' },
    ],
    response: [{ name: 'next_offset', type: 'u32' }],
  },
  {
    name: 'MODEL_LOAD_END',
    id: 0x22,
    timeoutMs: 10000,
    development: true,
    doc: 'Development-only: checks the SHA-256 of the stored bytes and marks the slot ready.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'sha256', type: 'bytes', size: LIMITS.sha256Size },
    ],
    response: [],
  },
  {
    name: 'RUN',
    id: 0x30,
    timeoutMs: 20000,
    doc:
      "Runs the prepared model of a slot once. `input` is every model input's bytes, in input order: int8, " +
      'or little-endian float32 for a float input (`--io float`). Answers the cycles of the invoke (board ' +
      'cycle counter; QEMU: SysTick under -icount shift=0) and `output_count` outputs, each a TENSOR_DESC ' +
      'record followed by its `bytes` bytes (int8, or little-endian float32). A wrong input length answers ' +
      'ERR_BAD_LENGTH; outputs larger than a frame ERR_BAD_ARGUMENT.',
    request: [
      { name: 'slot', type: 'u8' },
      { name: 'input', type: 'rest' },
    ],
    response: [
      { name: 'cycles_lo', type: 'u32', doc: "low 32 bits of the invoke's cycle count" },
      { name: 'cycles_hi', type: 'u32', doc: 'high 32 bits' },
      { name: 'output_count', type: 'u8' },
      { name: 'outputs', type: 'rest', doc: 'output_count x (TENSOR_DESC, then `bytes` bytes of data)' },
    ],
  },
  {
    name: 'MODEL_IO',
    id: 0x31,
    timeoutMs: 2000,
    doc: "Describes the inputs and outputs of the prepared model of a slot (so the host can quantise inputs with the model's own scale and zero point).",
    request: [{ name: 'slot', type: 'u8' }],
    response: [
      { name: 'input_count', type: 'u8' },
      { name: 'output_count', type: 'u8' },
      { name: 'tensors', type: 'rest', doc: '(input_count + output_count) x TENSOR_DESC, inputs first' },
    ],
  },
  {
    name: 'FLASH_BEGIN',
    id: 0x40,
    timeoutMs: 10000,
    doc:
      'Starts the upload of an authenticated package (docs/package.md) of `size` bytes with SHA-256 `sha256` ' +
      'into the inactive slot (slot 0 when none is active): marks the slot LOADING with that hash ' +
      '(persisted, so FLASH_STATUS finds it after a reset) and erases it. Answers the slot. OK_UNCHANGED ' +
      '(nothing erased) when the active slot already holds this package. ERR_KEY_EMPTY on an unprovisioned ' +
      'board (it could not verify a package).',
    request: [
      { name: 'size', type: 'u32' },
      { name: 'sha256', type: 'bytes', size: LIMITS.sha256Size },
    ],
    response: [{ name: 'slot', type: 'u8' }],
  },
  {
    name: 'FLASH_CHUNK',
    id: 0x41,
    timeoutMs: 5000,
    doc:
      'Programs `data` at `offset` of the package being uploaded (must equal the next expected offset). ' +
      'Answers the next expected offset, also on ERR_FLASH_SEQUENCE.',
    request: [
      { name: 'offset', type: 'u32' },
      { name: 'data', type: 'rest' },
    ],
    response: [{ name: 'next_offset', type: 'u32' }],
  },
  {
    name: 'FLASH_END',
    id: 0x42,
    timeoutMs: 20000,
    doc:
      'Checks the uploaded package: SHA-256 as announced, header and records, device uid, tag (HMAC-SHA256 ' +
      "under the package key derived in the key store), security counter >= the board's; prepares its " +
      'model in place; then makes its slot the active one and stores its counter in one power-safe record. ' +
      'Any failure discards the upload and leaves the previous active model running.',
    request: [],
    response: [
      { name: 'slot', type: 'u8' },
      { name: 'security_counter', type: 'u32' },
    ],
  },
  {
    name: 'FLASH_STATUS',
    id: 0x43,
    timeoutMs: 10000,
    doc:
      'The upload in progress, if any (also after a reset: the LOADING slot is persisted). `next_offset` is ' +
      'where the host continues: the RAM position, or after a reset one past the last programmed ' +
      '(non-0xFF) byte; `prefix_sha256` is the SHA-256 of the stored bytes before it, so the host resumes ' +
      'only when they equal its own.',
    request: [],
    response: [
      { name: 'loading', type: 'u8', doc: '1 when an upload is in progress' },
      { name: 'slot', type: 'u8' },
      { name: 'size', type: 'u32' },
      { name: 'sha256', type: 'bytes', size: LIMITS.sha256Size, doc: 'the package hash FLASH_BEGIN announced' },
      { name: 'next_offset', type: 'u32' },
      {
        name: 'prefix_sha256',
        type: 'bytes',
        size: LIMITS.sha256Size,
        doc: 'SHA-256 of stored bytes [0, next_offset)',
      },
    ],
  },
  {
    name: 'ATTEST',
    id: 0x50,
    timeoutMs: 5000,
    doc:
      'Challenge-response attestation: answers mac = HMAC-SHA256(device key, nonce || uid || active package ' +
      'SHA-256 || firmware_flags || dev_models) computed in the key store, with the uid, the active slot ' +
      "(0xFF: none, then the hash is 32 zero bytes), the package hash, the board's security counter, the " +
      "firmware's build flags (FIRMWARE_FLAG_*), the number of slots holding a ready development upload, " +
      "and the active package's version (ASCII). ERR_KEY_EMPTY on an unprovisioned board.",
    request: [{ name: 'nonce', type: 'bytes', size: 32 }],
    response: [
      { name: 'mac', type: 'bytes', size: 32 },
      { name: 'uid', type: 'bytes', size: LIMITS.uidSize },
      { name: 'active_slot', type: 'u8' },
      { name: 'package_sha256', type: 'bytes', size: LIMITS.sha256Size },
      { name: 'security_counter', type: 'u32' },
      { name: 'firmware_flags', type: 'u8', doc: 'FIRMWARE_FLAG_* of this build (covered by the mac)' },
      {
        name: 'dev_models',
        type: 'u8',
        doc: 'slots holding a ready development upload (MODEL_LOAD_*), not a package (covered by the mac)',
      },
      { name: 'version', type: 'rest' },
    ],
  },
  {
    name: 'WATERMARK_BEGIN',
    id: 0x51,
    timeoutMs: 10000,
    doc:
      'Opens a watermark check of a slot\'s model (docs/watermark.md, "On the board"). The device derives ' +
      'the stamp (streams `positions` and `signs` of the DRBG seeded by `signature`) into RAM, wipes the ' +
      'signature, and keeps the stamp until WATERMARK_END, the next WATERMARK_BEGIN or a reset. Samples ' +
      'then arrive with WATERMARK_BASES. A new BEGIN replaces an open check.',
    request: [
      { name: 'slot', type: 'u8' },
      {
        name: 'encoding',
        type: 'u8',
        doc: 'how WATERMARK_BASES carries values: 0 float32 LE; 1 one byte per value, an index into `table`',
      },
      {
        name: 'channels',
        type: 'u16',
        doc:
          "1: samples are in the model input's own order; C > 1: samples are [C, H, W] (ONNX order, the " +
          'order `positions` index) and the model input is [.., H, W, C]: values are moved channels-last',
      },
      { name: 'sample_size', type: 'u32', doc: "values per sample; must equal the model input's element count" },
      { name: 'positions', type: 'u32', doc: 'number of stamped positions P' },
      { name: 'delta', type: 'u32', doc: 'stamp amplitude, float32 bits' },
      { name: 'lo', type: 'u32', doc: 'clamp range low end, float32 bits' },
      { name: 'hi', type: 'u32', doc: 'clamp range high end, float32 bits' },
      {
        name: 'signature',
        type: 'bytes',
        size: 32,
        doc: 'the owner signature HMAC-SHA256(owner key, owner id); kept in RAM only while the stamp is derived',
      },
      { name: 'table', type: 'rest', doc: 'encoding 1: 1..256 float32 LE values; encoding 0: empty' },
    ],
    response: [],
  },
  {
    name: 'WATERMARK_BASES',
    id: 0x52,
    timeoutMs: 60000,
    doc:
      'The next base samples of the open check, as a stream of values (encoding of WATERMARK_BEGIN) starting ' +
      'at value index `offset` (counted over all samples; must equal the next expected index). Every value ' +
      'is stamped where the stamp says (float32 x + sign * delta, clamped to [lo, hi]), quantised with the ' +
      "model input's scale and zero point (round half away from zero, saturated) unless the input is " +
      'float32, and written into the input tensor; each completed sample is run and its arg-max label ' +
      'answered. A sample may span frames.',
    request: [
      { name: 'offset', type: 'u32' },
      { name: 'values', type: 'rest' },
    ],
    response: [
      { name: 'next_offset', type: 'u32', doc: 'the value index the next WATERMARK_BASES must start at' },
      {
        name: 'cycles_lo',
        type: 'u32',
        doc: 'low 32 bits of the cycles of the invokes of this request (board cycle counter)',
      },
      { name: 'cycles_hi', type: 'u32', doc: 'high 32 bits' },
      { name: 'labels', type: 'rest', doc: 'u16 LE arg-max label of each sample completed by this request, in order' },
    ],
  },
  {
    name: 'WATERMARK_END',
    id: 0x53,
    timeoutMs: 2000,
    doc: 'Closes the open watermark check and wipes its stamp from RAM (also fine when none is open).',
    request: [],
    response: [],
  },
  {
    name: 'PROBE_READ',
    id: 0x60,
    timeoutMs: 5000,
    development: true,
    doc:
      "Test builds of a TrustZone board's non-secure image only (flavour `tz-probe`; docs/porting.md, " +
      '"TrustZone-M"): reads `length` bytes at `address` from the non-secure state, as a compromised ' +
      'non-secure firmware would. Answers the bytes, or ERR_SECURE_FAULT with a FAULT_RECORD when the ' +
      'secure image caught the access (no byte of it is answered). Production firmware answers ' +
      'ERR_UNKNOWN_COMMAND.',
    request: [
      { name: 'address', type: 'u32' },
      { name: 'length', type: 'u16', doc: '1..256' },
    ],
    response: [{ name: 'data', type: 'rest' }],
  },
  {
    name: 'PROBE_CALL_CYCLES',
    id: 0x61,
    timeoutMs: 2000,
    development: true,
    doc:
      "Test builds of a TrustZone board's non-secure image only (flavour `tz-probe`): the non-secure SysTick " +
      'counts (core clock, 24 bits) the last command forwarded to the secure image took, from the ' +
      "non-secure call to its return: the secure call's whole cost, to compare with the cycles the secure " +
      'side reports for its own work (RUN).',
    request: [],
    response: [
      { name: 'cycles', type: 'u32' },
      { name: 'command', type: 'u8', doc: 'id of that command' },
    ],
  },
];

/** Fixed records carried inside `rest` fields. */
export const RECORDS: Readonly<Record<string, Field[]>> = {
  PACKAGE_STATE: [
    { name: 'active_slot', type: 'u8', doc: 'the slot holding the active package, 0xFF when none' },
    { name: 'security_counter', type: 'u32', doc: 'anti-rollback counter: packages below it are refused' },
  ],
  FIRMWARE_STATE: [
    { name: 'flags', type: 'u8', doc: 'FIRMWARE_FLAG_* of this build: which flavour the board runs' },
    {
      name: 'slot_kinds',
      type: 'bytes',
      size: LIMITS.modelSlots,
      doc: 'per model slot: 0 a development upload (or empty), 1 a package whose tag the board verified (FLASH_END or boot)',
    },
  ],
  QUERY_STATE: [
    {
      name: 'flags',
      type: 'u8',
      doc:
        'bit 0: the active package carries query limits (the limit fields are 0 otherwise); bit 1: it carries a response mark (the board marks a ' +
        'keyed fraction of its answers)',
    },
    { name: 'lifetime', type: 'u32', doc: "the active package's lifetime budget (0: none)" },
    { name: 'per_boot', type: 'u32', doc: 'its per-boot budget (0: none)' },
    { name: 'rate_count', type: 'u32', doc: 'its rate: inferences per window (0: none)' },
    { name: 'rate_window_ms', type: 'u32' },
    {
      name: 'lifetime_used',
      type: 'u32',
      doc: 'inferences counted in flash under the board security counter (0xFFFFFFFF: the count could not be read)',
    },
    { name: 'boot_used', type: 'u32', doc: 'inferences answered under limits since the last reset' },
    { name: 'window_used', type: 'u32', doc: 'inferences in the current rate window (0 when no window is open)' },
    { name: 'window_left_ms', type: 'u32', doc: 'milliseconds of board time until that window ends' },
  ],
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
    { name: 'zero_point', type: 'u32', doc: "i32, two's complement" },
    { name: 'bytes', type: 'u32', doc: 'data size in bytes' },
  ],
  FAULT_RECORD: [
    { name: 'kind', type: 'u8', doc: '1 SecureFault, 2 BusFault, 3 HardFault' },
    {
      name: 'sfsr',
      type: 'u32',
      doc: 'SecureFault status (bit 3 AUVIOL: non-secure access to secure memory; bit 0 INVEP)',
    },
    {
      name: 'cfsr',
      type: 'u32',
      doc: 'configurable fault status (bit 9 PRECISERR: a memory protection controller refused a bus access)',
    },
    { name: 'pc', type: 'u32', doc: 'stacked PC of the faulting non-secure instruction' },
    { name: 'bytes_read', type: 'u16', doc: 'bytes read before the fault (not answered)' },
  ],
  QUERY_LIMIT: [
    { name: 'kind', type: 'u8', doc: 'the limit reached: 1 lifetime, 2 per boot, 3 rate' },
    { name: 'limit', type: 'u32', doc: "that limit's value in the package" },
    {
      name: 'used',
      type: 'u32',
      doc: 'inferences answered against it (lifetime: under this security counter; rate: in this window)',
    },
    { name: 'retry_after_ms', type: 'u32', doc: 'rate: milliseconds of board time until the window ends; 0 otherwise' },
  ],
  RUN_FAILURE: [
    { name: 'el_status', type: 'u8', doc: "the runtime's el_status value (firmware-tools/runtime/el_runtime.h)" },
    { name: 'failed_op', type: 'u32', doc: 'operator index it failed on, 0xFFFFFFFF when not operator-specific' },
    { name: 'name', type: 'rest', doc: 'ASCII description of the el_status, from el_status_name()' },
  ],
};

export const SLOT_STATES = { EMPTY: 0, LOADING: 1, READY: 2 } as const;

/** Build flags a firmware reports (INFO's FIRMWARE_STATE, ATTEST): DEV_UPLOAD = the development flavour, which has
 * MODEL_LOAD_*; SINGLE_ROUNDING = the single-rounding requantisation flavour. */
export const FIRMWARE_FLAGS = { DEV_UPLOAD: 0x01, SINGLE_ROUNDING: 0x02 } as const;

/** Command id ranges kept free for later issues, so ids never have to be renumbered. */
export const RESERVED_RANGES: readonly { from: number; to: number; purpose: string }[] = [
  { from: 0x04, to: 0x0f, purpose: 'further device management' },
  { from: 0x12, to: 0x1f, purpose: 'key store (e.g. derived keys)' },
  { from: 0x23, to: 0x2f, purpose: 'further development model commands' },
  { from: 0x32, to: 0x3f, purpose: 'further model runtime commands (tensor I/O, profiling)' },
  { from: 0x44, to: 0x4f, purpose: 'further package commands' },
  { from: 0x54, to: 0x5f, purpose: 'further watermark checks' },
  { from: 0x62, to: 0x6f, purpose: 'further development/test probes' },
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
