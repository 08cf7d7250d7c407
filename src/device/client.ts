import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import {
  FIRMWARE_FLAGS,
  LIMITS,
  RECORDS,
  SLOT_STATES,
  commandByName,
  fixedSize,
  statusByValue,
} from '../protocol/definition';
import { Values, decodeFields, encodeFields } from '../protocol/payload';
import { openSerialLink } from './serial-link';
import { Transport, TransportOptions } from './transport';

export type SlotState = 'empty' | 'loading' | 'ready';

export interface ModelSlotInfo {
  slot: number;
  state: SlotState;
  size: number;
  sha256: string;
  /** where a ready slot's model came from: an authenticated package (its tag verified) or a development upload;
   * absent from firmware older than build flavours */
  source?: 'package' | 'development' | null;
}

/** Which build of the firmware a board runs (INFO's FIRMWARE_STATE). */
export interface FirmwareBuild {
  /** 'default', 'dev', 'single-rounding', 'single-rounding+dev' (the `board start --flavour` it was built with) */
  flavour: string;
  /** the development upload (MODEL_LOAD_*, `device load-dev`) is compiled in: not a production firmware */
  devUpload: boolean;
}

/** The flavour name of FIRMWARE_FLAG_* bits (same names as src/board/build.ts BUILD_FLAVOURS). */
export function flavourOfFlags(flags: number): FirmwareBuild {
  const parts = [
    ...(flags & FIRMWARE_FLAGS.SINGLE_ROUNDING ? ['single-rounding'] : []),
    ...(flags & FIRMWARE_FLAGS.DEV_UPLOAD ? ['dev'] : []),
  ];
  return { flavour: parts.length ? parts.join('+') : 'default', devUpload: (flags & FIRMWARE_FLAGS.DEV_UPLOAD) !== 0 };
}

export interface DeviceInfo {
  board: string;
  protocolVersion: number;
  firmwareVersion: string;
  uid: string;
  maxPayload: number;
  keySlots: number;
  keyProvisioned: boolean;
  keysProvisioned: boolean[];
  executed: number;
  rxDropped: number;
  modelSlots: ModelSlotInfo[];
  /** the slot holding the active authenticated package (null: none) and the anti-rollback counter; absent from
   * firmware older than packages */
  package?: { activeSlot: number | null; securityCounter: number };
  /** the firmware build; absent from firmware older than build flavours */
  firmware?: FirmwareBuild;
  /** the active package's query limits and the counts against them; absent from firmware that does not report them */
  queries?: QueryState;
}

/** INFO's QUERY_STATE: the active package's limits (null: it has none) and the board's counts against them. */
export interface QueryState {
  limits: { lifetime: number; perBoot: number; rateCount: number; rateWindowMs: number } | null;
  /** the active package carries a response mark (docs/watermark.md, "Response mark"; its rate is in the package) */
  responseMark: boolean;
  /** inferences counted under the board's security counter (null: the count could not be read) */
  lifetimeUsed: number | null;
  /** inferences answered under limits since the last reset */
  bootUsed: number;
  /** the current rate window: inferences in it and milliseconds until it ends (0 and 0 when none is open) */
  windowUsed: number;
  windowLeftMs: number;
}

function queryStateOf(q: Record<string, unknown>): QueryState {
  const has = ((q.flags as number) & 1) !== 0;
  return {
    limits: has
      ? {
          lifetime: q.lifetime as number,
          perBoot: q.per_boot as number,
          rateCount: q.rate_count as number,
          rateWindowMs: q.rate_window_ms as number,
        }
      : null,
    responseMark: ((q.flags as number) & 2) !== 0,
    lifetimeUsed: q.lifetime_used === 0xffffffff ? null : (q.lifetime_used as number),
    bootUsed: q.boot_used as number,
    windowUsed: q.window_used as number,
    windowLeftMs: q.window_left_ms as number,
  };
}

export type KeyWriteResult = 'written' | 'unchanged';

/** One input or output tensor of a slot's prepared model, as the device describes it (TENSOR_DESC). */
export interface TensorDesc {
  /** TFLite TensorType: 9 int8, 0 float32, 2 int32 */
  type: number;
  shape: number[];
  scale: number;
  zeroPoint: number;
  bytes: number;
}

export interface RunOutput extends TensorDesc {
  int8: Int8Array;
}

export interface RunResult {
  outputs: RunOutput[];
  /** cycles of the invoke from the board's counter (QEMU: SysTick ticks under -icount shift=0; host-sim: ns) */
  cycles: number;
}

/** Records some error statuses carry as their body (see the statuses' docs in the protocol definition). */
const ERROR_BODIES: Readonly<Record<string, string>> = {
  ERR_RUN: 'RUN_FAILURE',
  ERR_MODEL_EMPTY: 'RUN_FAILURE',
  ERR_QUERY_BUDGET: 'QUERY_LIMIT',
  ERR_QUERY_RATE: 'QUERY_LIMIT',
};

/** The QUERY_LIMIT record of an ERR_QUERY_* answer (see the protocol definition). */
export interface QueryLimitRefusal {
  kind: 'lifetime' | 'per-boot' | 'rate';
  limit: number;
  used: number;
  retryAfterMs: number;
}

const QUERY_LIMIT_KINDS: Readonly<Record<number, QueryLimitRefusal['kind']>> = {
  1: 'lifetime',
  2: 'per-boot',
  3: 'rate',
};

function queryLimitOf(body: Buffer): QueryLimitRefusal | undefined {
  const f = body.length >= fixedSize(RECORDS.QUERY_LIMIT) ? decodeFields(RECORDS.QUERY_LIMIT, body) : null;
  const kind = f && QUERY_LIMIT_KINDS[f.kind as number];
  if (!f || !kind) return undefined;
  return { kind, limit: f.limit as number, used: f.used as number, retryAfterMs: f.retry_after_ms as number };
}

function describeErrorBody(status: string, body: Buffer): string {
  const rec = ERROR_BODIES[status];
  if (!rec || body.length < fixedSize(RECORDS[rec])) return '';
  if (rec === 'QUERY_LIMIT') {
    const q = queryLimitOf(body);
    if (!q) return '';
    const what = q.kind === 'lifetime' ? 'lifetime budget' : q.kind === 'per-boot' ? 'per-boot budget' : 'rate';
    return (
      `; ${what} ${q.limit}${q.kind === 'rate' ? ' per window' : ''}, ${q.used} ` +
      `used${q.kind === 'rate' ? `; the window ends in ${q.retryAfterMs} ms` : ''}`
    );
  }
  const f = decodeFields(RECORDS[rec], body);
  if (!f) return '';
  const op = f.failed_op as number;
  return `; runtime status ${(f.name as Buffer).toString('latin1')} (${f.el_status})${op === 0xffffffff ? '' : ` at operator ${op}`}`;
}

function decodeDesc(b: Buffer): TensorDesc {
  const f = decodeFields(RECORDS.TENSOR_DESC, b)!;
  const rank = f.rank as number;
  const dims = f.dims as Buffer;
  if (rank > LIMITS.ioDims) throw new EdgelockError('E_DEVICE_FRAME', `tensor rank ${rank} exceeds ${LIMITS.ioDims}`);
  return {
    type: f.type as number,
    shape: Array.from({ length: rank }, (_, i) => dims.readInt32LE(4 * i)),
    scale: Buffer.from(Uint32Array.of(f.scale as number).buffer).readFloatLE(0),
    zeroPoint: (f.zero_point as number) | 0,
    bytes: f.bytes as number,
  };
}

const SLOT_STATE_NAMES: Readonly<Record<number, SlotState>> = Object.fromEntries(
  Object.entries(SLOT_STATES).map(([k, v]) => [v, k.toLowerCase() as SlotState]),
);

/** The device's result of a command: status name plus the decoded response fields. */
export interface CallResult {
  status: string;
  fields: Values;
}

/** Typed commands over a Transport. Every non-success status becomes the EdgelockError its definition names. */
export class DeviceClient {
  constructor(
    readonly transport: Transport,
    readonly port = '',
  ) {}

  static async open(port: string, opts?: TransportOptions): Promise<DeviceClient> {
    return new DeviceClient(new Transport(await openSerialLink(port), opts), port);
  }

  async call(name: string, values: Values = {}): Promise<CallResult> {
    const cmd = commandByName(name);
    const { status, body } = await this.transport.request(cmd, encodeFields(cmd.request, values));
    const st = statusByValue(status);
    if (!st) throw new EdgelockError('E_DEVICE_FRAME', `${name}: unknown status 0x${status.toString(16)}`);
    if (!st.ok) {
      const err = new EdgelockError(
        st.error!,
        `${name} refused by the device${this.port ? ` on ${this.port}` : ''}: ${st.name} (${st.doc})${describeErrorBody(st.name, body)}`,
      );
      (err as EdgelockError & { fields?: Values }).fields = decodeFields(cmd.response, body);
      if (ERROR_BODIES[st.name] === 'QUERY_LIMIT')
        (err as EdgelockError & { queryLimit?: QueryLimitRefusal }).queryLimit = queryLimitOf(body);
      throw err;
    }
    const fields = decodeFields(cmd.response, body);
    if (!fields)
      throw new EdgelockError(
        'E_DEVICE_FRAME',
        `${name}: the answer has ${body.length} bytes, not the expected layout`,
      );
    return { status: st.name, fields };
  }

  async ping(data: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const r = await this.call('PING', { data });
    const echo = r.fields.data as Buffer;
    if (!echo.equals(data)) throw new EdgelockError('E_DEVICE_FRAME', 'PING: the echo differs from the request');
    return echo;
  }

  async info(): Promise<DeviceInfo> {
    const f = (await this.call('INFO')).fields;
    const rec = RECORDS.MODEL_SLOT_INFO;
    const recSize = fixedSize(rec);
    const slotsBytes = f.slots as Buffer;
    const count = f.model_slots as number;
    const pkgSize = fixedSize(RECORDS.PACKAGE_STATE);
    const fwSize = fixedSize(RECORDS.FIRMWARE_STATE);
    const qsSize = fixedSize(RECORDS.QUERY_STATE);
    const hasQs = slotsBytes.length === count * recSize + pkgSize + fwSize + qsSize;
    const hasFw = hasQs || slotsBytes.length === count * recSize + pkgSize + fwSize;
    const hasPkg = hasFw || slotsBytes.length === count * recSize + pkgSize;
    if (slotsBytes.length !== count * recSize && !hasPkg)
      throw new EdgelockError('E_DEVICE_FRAME', `INFO: ${slotsBytes.length} bytes of slot records for ${count} slots`);
    const pkg = hasPkg
      ? decodeFields(RECORDS.PACKAGE_STATE, slotsBytes.subarray(count * recSize, count * recSize + pkgSize))!
      : undefined;
    const fwAt = count * recSize + pkgSize;
    const fw = hasFw ? decodeFields(RECORDS.FIRMWARE_STATE, slotsBytes.subarray(fwAt, fwAt + fwSize))! : undefined;
    const qs = hasQs ? decodeFields(RECORDS.QUERY_STATE, slotsBytes.subarray(fwAt + fwSize))! : undefined;
    const modelSlots: ModelSlotInfo[] = [];
    for (let i = 0; i < count; i++) {
      const s = decodeFields(rec, slotsBytes.subarray(i * recSize, (i + 1) * recSize))!;
      const state = SLOT_STATE_NAMES[s.state as number] ?? 'empty';
      const slot: ModelSlotInfo = {
        slot: i,
        state,
        size: s.size as number,
        sha256: (s.sha256 as Buffer).toString('hex'),
      };
      if (fw) slot.source = state !== 'ready' ? null : (fw.slot_kinds as Buffer)[i] === 1 ? 'package' : 'development';
      modelSlots.push(slot);
    }
    const mask = f.key_mask as number;
    const keySlots = f.key_slots as number;
    const keysProvisioned = Array.from({ length: keySlots }, (_, i) => (mask & (1 << i)) !== 0);
    const name = f.board_name as Buffer;
    const end = name.indexOf(0);
    return {
      board: name.subarray(0, end < 0 ? name.length : end).toString('latin1'),
      protocolVersion: f.protocol_version as number,
      firmwareVersion: `${f.fw_major}.${f.fw_minor}.${f.fw_patch}`,
      uid: (f.uid as Buffer).toString('hex'),
      maxPayload: f.max_payload as number,
      keySlots,
      keyProvisioned: keysProvisioned.some(Boolean),
      keysProvisioned,
      executed: f.executed as number,
      rxDropped: f.rx_dropped as number,
      modelSlots,
      ...(pkg
        ? {
            package: {
              activeSlot: pkg.active_slot === 0xff ? null : (pkg.active_slot as number),
              securityCounter: pkg.security_counter as number,
            },
          }
        : {}),
      ...(fw ? { firmware: flavourOfFlags(fw.flags as number) } : {}),
      ...(qs ? { queries: queryStateOf(qs) } : {}),
    };
  }

  /** Writes a key once: 'written' the first time, 'unchanged' for the same key again, E_DEVICE_KEY_CONFLICT otherwise. */
  async keyWrite(key: Buffer, slot = 0): Promise<KeyWriteResult> {
    const r = await this.call('KEY_WRITE', { slot, key });
    return r.status === 'OK_UNCHANGED' ? 'unchanged' : 'written';
  }

  /** HMAC-SHA256(key, "check") computed on the device. */
  async keyCheck(slot = 0): Promise<Buffer> {
    return (await this.call('KEY_CHECK', { slot })).fields.kcv as Buffer;
  }

  /** Development-only upload of a model into a slot (no authentication: the factory flow uses packages). */
  async loadModelDev(
    model: Buffer,
    slot = 0,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ sha256: string; chunks: number }> {
    if (model.length > LIMITS.modelSlotSize)
      throw new EdgelockError(
        'E_DEVICE_MODEL_TOO_LARGE',
        `the model has ${model.length} bytes, a slot holds ${LIMITS.modelSlotSize}`,
      );
    const sha = createHash('sha256').update(model).digest();
    const chunkSize = LIMITS.maxPayload - fixedSize(commandByName('MODEL_LOAD_CHUNK').request);
    await this.call('MODEL_LOAD_BEGIN', { slot, size: model.length });
    let chunks = 0;
    for (let off = 0; off < model.length; off += chunkSize) {
      const data = model.subarray(off, Math.min(model.length, off + chunkSize));
      const r = await this.call('MODEL_LOAD_CHUNK', { slot, offset: off, data });
      if (r.fields.next_offset !== off + data.length)
        throw new EdgelockError(
          'E_DEVICE_MODEL_SEQUENCE',
          `MODEL_LOAD_CHUNK: device expects offset ${r.fields.next_offset}, host sent up to ${off + data.length}`,
        );
      chunks++;
      onProgress?.(off + data.length, model.length);
    }
    await this.call('MODEL_LOAD_END', { slot, sha256: sha });
    return { sha256: sha.toString('hex'), chunks };
  }

  /** The inputs and outputs of the prepared model in `slot`. */
  async modelIo(slot = 0): Promise<{ inputs: TensorDesc[]; outputs: TensorDesc[] }> {
    const f = (await this.call('MODEL_IO', { slot })).fields;
    const size = fixedSize(RECORDS.TENSOR_DESC);
    const ni = f.input_count as number;
    const no = f.output_count as number;
    const t = f.tensors as Buffer;
    if (t.length !== (ni + no) * size)
      throw new EdgelockError('E_DEVICE_FRAME', `MODEL_IO: ${t.length} bytes of tensor records for ${ni + no} tensors`);
    const descs = Array.from({ length: ni + no }, (_, i) => decodeDesc(t.subarray(i * size, (i + 1) * size)));
    return { inputs: descs.slice(0, ni), outputs: descs.slice(ni) };
  }

  /** Runs the prepared model in `slot` once on int8 input bytes (all inputs concatenated, in order). */
  async run(slot: number, input: Int8Array | Buffer): Promise<RunResult> {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const f = (await this.call('RUN', { slot, input: bytes })).fields;
    const size = fixedSize(RECORDS.TENSOR_DESC);
    const rest = f.outputs as Buffer;
    const outputs: RunOutput[] = [];
    let off = 0;
    for (let i = 0; i < (f.output_count as number); i++) {
      if (off + size > rest.length) throw new EdgelockError('E_DEVICE_FRAME', `RUN: output ${i} is truncated`);
      const d = decodeDesc(rest.subarray(off, off + size));
      off += size;
      if (off + d.bytes > rest.length) throw new EdgelockError('E_DEVICE_FRAME', `RUN: output ${i} data is truncated`);
      outputs.push({ ...d, int8: Int8Array.from(rest.subarray(off, off + d.bytes), (x) => (x << 24) >> 24) });
      off += d.bytes;
    }
    if (off !== rest.length)
      throw new EdgelockError('E_DEVICE_FRAME', `RUN: ${rest.length - off} unexpected trailing bytes`);
    return { outputs, cycles: (f.cycles_hi as number) * 2 ** 32 + (f.cycles_lo as number) };
  }

  async reset(): Promise<void> {
    await this.call('RESET');
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Opens a port, runs fn with a client, always closes. */
export async function withDevice<T>(
  port: string,
  fn: (c: DeviceClient) => Promise<T>,
  opts?: TransportOptions,
): Promise<T> {
  const c = await DeviceClient.open(port, opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

export async function deviceInfo(port: string, opts?: TransportOptions): Promise<DeviceInfo> {
  return withDevice(port, (c) => c.info(), opts);
}
