import { randomInt } from 'crypto';
import { EdgelockError } from '../errors';
import { CommandDef, LIMITS, PROTOCOL_VERSION, RECORDS, RESPONSE_FLAG, STATUSES } from '../protocol/definition';
import { decodeFields } from '../protocol/payload';
import { Frame, FrameDecoder, encodeFrame } from '../protocol/frame';
import { ByteLink } from './link';

export interface TransportOptions {
  /** attempts per request (first try included) */
  attempts?: number;
  /** multiplies every command's timeout (slow emulators, fault-injection tests) */
  timeoutScale?: number;
}

export interface TransportStats {
  requests: number;
  retries: number;
  bytesSent: number;
  bytesReceived: number;
  /** request + response payload bytes of answered requests */
  payloadBytes: number;
  framesDropped: number;
  /** valid frames that were not the awaited answer (stale duplicates) */
  framesIgnored: number;
  /** requests re-sent under a new seq after the device reported ERR_STALE_SEQ */
  resyncs: number;
}

export interface RawResponse {
  status: number;
  /** response payload after the status byte */
  body: Buffer;
}

const STALE = STATUSES.find((s) => s.name === 'ERR_STALE_SEQ')!;
const MAX_RESYNCS = 3;

interface Pending {
  type: number;
  seq: number;
  resolve: (f: Frame) => void;
}

/**
 * Request/response over a byte link: one request in flight, a fresh sequence number per request, retries with the
 * same sequence number on timeout (the firmware answers a repeat from its cache). A response is accepted only if
 * its CRC is valid and its type and seq match the request.
 */
export class Transport {
  private seq = randomInt(0, 0x10000);
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  private closedError?: EdgelockError;
  private readonly attempts: number;
  private readonly timeoutScale: number;
  readonly stats: TransportStats = {
    requests: 0,
    retries: 0,
    bytesSent: 0,
    bytesReceived: 0,
    payloadBytes: 0,
    framesDropped: 0,
    framesIgnored: 0,
    resyncs: 0,
  };
  private readonly decoder = new FrameDecoder(
    (f) => this.onFrame(f),
    () => this.stats.framesDropped++,
  );

  constructor(
    private readonly link: ByteLink,
    opts: TransportOptions = {},
  ) {
    this.attempts = opts.attempts ?? 5;
    this.timeoutScale = opts.timeoutScale ?? 1;
    link.onData((b) => {
      this.stats.bytesReceived += b.length;
      this.decoder.push(b);
    });
    link.onClose((err) => {
      this.closedError = new EdgelockError('E_DEVICE_PORT', `the serial port closed${err ? `: ${err.message}` : ''}`);
      this.pending = undefined;
    });
  }

  /** Sends one command and returns its raw answer; throws E_DEVICE_TIMEOUT when every attempt went unanswered. */
  request(cmd: CommandDef, payload: Buffer): Promise<RawResponse> {
    const run = this.queue.then(() => this.exchange(cmd, payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(cmd: CommandDef, payload: Buffer): Promise<RawResponse> {
    if (payload.length > LIMITS.maxPayload)
      throw new EdgelockError(
        'E_INTERNAL',
        `${cmd.name} payload of ${payload.length} bytes exceeds ${LIMITS.maxPayload}`,
      );
    this.stats.requests++;
    for (let resync = 0; ; resync++) {
      const r = await this.attempt(cmd, payload);
      if (r.status !== STALE.value || resync >= MAX_RESYNCS) return r;
      const stale = decodeFields(RECORDS.STALE_SEQ, r.body);
      if (!stale) throw new EdgelockError('E_DEVICE_FRAME', `${cmd.name}: malformed ${STALE.name} answer`);
      this.seq = stale.last_seq as number; // the device executed nothing: continue after its last seq
      this.stats.resyncs++;
    }
  }

  /** One request under a fresh seq, re-sent with that same seq until answered or out of attempts. */
  private async attempt(cmd: CommandDef, payload: Buffer): Promise<RawResponse> {
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    const wire = encodeFrame({ version: PROTOCOL_VERSION, type: cmd.id, seq, payload });
    const timeout = Math.round(cmd.timeoutMs * this.timeoutScale);
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (this.closedError) throw this.closedError;
      if (attempt > 0) this.stats.retries++;
      const answer = new Promise<Frame | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.pending = undefined;
          resolve(undefined);
        }, timeout);
        this.pending = {
          type: cmd.id | RESPONSE_FLAG,
          seq,
          resolve: (f) => {
            clearTimeout(timer);
            this.pending = undefined;
            resolve(f);
          },
        };
      });
      await this.link.write(wire);
      this.stats.bytesSent += wire.length;
      const f = await answer;
      if (!f) continue;
      if (f.version !== PROTOCOL_VERSION)
        throw new EdgelockError(
          'E_DEVICE_VERSION',
          `the device speaks protocol version ${f.version}, this host ${PROTOCOL_VERSION}`,
        );
      if (f.payload.length < 1) throw new EdgelockError('E_DEVICE_FRAME', `${cmd.name}: the answer has no status byte`);
      this.stats.payloadBytes += payload.length + f.payload.length;
      return { status: f.payload[0], body: f.payload.subarray(1) };
    }
    if (this.closedError) throw this.closedError;
    throw new EdgelockError(
      'E_DEVICE_TIMEOUT',
      `no answer to ${cmd.name} after ${this.attempts} attempts of ${timeout} ms`,
    );
  }

  private onFrame(f: Frame): void {
    const p = this.pending;
    if (p && f.type === p.type && f.seq === p.seq) p.resolve(f);
    else this.stats.framesIgnored++;
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
