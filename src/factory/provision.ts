/**
 * Provisioning: writes each board's device key into key slot 0 of its write-once key store.
 *
 * Per board: INFO (unique id, firmware version) → device key = HKDF(master, uid) (src/keys/derive.ts) →
 *   - slot already provisioned: KEY_CHECK, compare with the expected key-check value HMAC(device key, "check"):
 *     equal → a no-op reported as such ("unchanged"); different → refused (E_DEVICE_KEY_CONFLICT);
 *   - empty: record an "attempt" row, KEY_WRITE, then KEY_CHECK again: the key is verified by its key-check
 *     value, never read back; record "written".
 * Every attempt and result goes into the factory database (src/factory/db.ts) with the key id, never a key.
 * Boards are handled concurrently (runOnBoards). Unless `yes`, the boards that would be written are
 * surveyed first and the operator must type "provision N"; only the boards confirmed (port and unique id)
 * are written afterwards. `dryRun` surveys, records "dry-run" rows and writes nothing.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'crypto';
import * as os from 'os';
import * as readline from 'readline';
import { DeviceClient, withDevice } from '../device/client';
import type { TransportOptions } from '../device/transport';
import { EdgelockError, asEdgelockError } from '../errors';
import { deriveDeviceKey, keyId } from '../keys/derive';
import { KCV_MESSAGE } from '../protocol/definition';
import { FactoryDb, FactoryEventInput, Outcome } from './db';
import { BoardOutcome, Emit, OutputStreams, checkPorts, runOnBoards } from './multi-board';

/** The key store slot that holds the device key. */
export const DEVICE_KEY_SLOT = 0;
const STEPS = 4;

export type KeyState = 'empty' | 'same' | 'different';

/** What a board is and what provisioning would do to it; holds no key. */
export interface BoardSurvey {
  port: string;
  board: string;
  uid: string;
  firmwareVersion: string;
  /** key id of the device key this master key derives for the board */
  keyId: string;
  state: KeyState;
}

export interface ProvisionResult extends BoardSurvey {
  outcome: Extract<Outcome, 'written' | 'unchanged' | 'dry-run'>;
  /** dry run: whether a real run would write the key */
  wouldWrite?: boolean;
  /** id of the database row of the result */
  eventId: string;
}

export interface ProvisionContext {
  master: Buffer;
  db: FactoryDb;
  station: string;
  /** who runs the station (recorded on every event and claim) */
  operator: string;
  runId: string;
  dryRun: boolean;
  /** boards (port → unique id) the operator confirmed for writing, or 'all' (--yes) */
  confirmed: 'all' | ReadonlyMap<string, string>;
  transport?: TransportOptions;
}

/** The key-check value the device must answer for `key` (KEY_CHECK: HMAC-SHA256(key, "check")). */
export function expectedKcv(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(KCV_MESSAGE, 'utf8').digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads the board's identity and key state; returns the survey and the derived device key (caller wipes it). */
async function survey(
  client: DeviceClient,
  port: string,
  master: Buffer,
): Promise<{ s: BoardSurvey; deviceKey: Buffer }> {
  const info = await client.info();
  const deviceKey = deriveDeviceKey(master, Buffer.from(info.uid, 'hex'));
  try {
    let state: KeyState = 'empty';
    if (info.keysProvisioned[DEVICE_KEY_SLOT])
      state = sameBytes(await client.keyCheck(DEVICE_KEY_SLOT), expectedKcv(deviceKey)) ? 'same' : 'different';
    return {
      s: {
        port,
        board: info.board,
        uid: info.uid,
        firmwareVersion: info.firmwareVersion,
        keyId: keyId(deviceKey),
        state,
      },
      deviceKey,
    };
  } catch (e) {
    deviceKey.fill(0);
    throw e;
  }
}

/** Surveys every board concurrently without writing or recording anything (for the confirmation). */
export async function surveyBoards(
  ports: string[],
  master: Buffer,
  transport?: TransportOptions,
): Promise<(BoardSurvey | { port: string; error: { code: string; message: string } })[]> {
  return Promise.all(
    ports.map(async (port) => {
      try {
        return await withDevice(
          port,
          async (c) => {
            const { s, deviceKey } = await survey(c, port, master);
            deviceKey.fill(0);
            return s;
          },
          transport,
        );
      } catch (e) {
        const err = asEdgelockError(e);
        return { port, error: { code: err.code, message: err.message } };
      }
    }),
  );
}

/** Provisions one board (the task runOnBoards runs per port). Records every attempt and result. */
export async function provisionBoard(port: string, emit: Emit, ctx: ProvisionContext): Promise<ProvisionResult> {
  const masterKeyId = keyId(ctx.master);
  let row: Omit<FactoryEventInput, 'outcome'> = {
    runId: ctx.runId,
    station: ctx.station,
    operator: ctx.operator,
    command: 'provision',
    port,
    masterKeyId,
  };
  let recorded = false;
  const record = async (outcome: Outcome, extra: Partial<FactoryEventInput> = {}) => {
    const ev = await ctx.db.record({ ...row, ...extra, outcome });
    if (outcome !== 'attempt') recorded = true;
    return ev;
  };
  try {
    emit({ event: 'connect', done: 0, total: STEPS });
    return await withDevice(
      port,
      async (client) => {
        const { s, deviceKey } = await survey(client, port, ctx.master);
        try {
          row = { ...row, board: s.board, uid: s.uid, keyId: s.keyId, firmwareVersion: s.firmwareVersion };
          emit({
            event: 'info',
            done: 1,
            total: STEPS,
            message: `${s.board} uid ${s.uid} firmware ${s.firmwareVersion}`,
            uid: s.uid,
            keyId: s.keyId,
          });
          const dry = ctx.dryRun ? 'dry run: ' : '';
          if (s.state === 'same') {
            const message = `${dry}already provisioned with device key ${s.keyId} (no-op)`;
            const ev = await record(ctx.dryRun ? 'dry-run' : 'unchanged', { message });
            emit({ event: 'unchanged', done: STEPS, total: STEPS, message });
            return {
              ...s,
              outcome: ctx.dryRun ? 'dry-run' : 'unchanged',
              ...(ctx.dryRun ? { wouldWrite: false } : {}),
              eventId: ev.id,
            };
          }
          if (s.state === 'different') {
            const message =
              `${dry}key slot ${DEVICE_KEY_SLOT} holds a different key (its key-check value is ` +
              `not that of device key ${s.keyId}); keys are write-once, refused`;
            await record(ctx.dryRun ? 'dry-run' : 'refused-conflict', { errorCode: 'E_DEVICE_KEY_CONFLICT', message });
            throw new EdgelockError('E_DEVICE_KEY_CONFLICT', message);
          }
          if (ctx.dryRun) {
            const message = `dry run: would write device key ${s.keyId} into key slot ${DEVICE_KEY_SLOT}`;
            const ev = await record('dry-run', { message });
            emit({ event: 'dry-run', done: STEPS, total: STEPS, message });
            return { ...s, outcome: 'dry-run', wouldWrite: true, eventId: ev.id };
          }
          if (ctx.confirmed !== 'all' && ctx.confirmed.get(port) !== s.uid) {
            const message = ctx.confirmed.has(port)
              ? `the board on ${port} now has uid ${s.uid}, the confirmed one had ${ctx.confirmed.get(port)}; not written`
              : `the board on ${port} (uid ${s.uid}) was not in the confirmed list; not written`;
            await record('failed', { errorCode: 'E_PROVISION_UNCONFIRMED', message });
            throw new EdgelockError('E_PROVISION_UNCONFIRMED', message);
          }
          // the database decides which station writes this uid: claim it first (another station's active or done
          // claim refuses this one, and the board is left untouched), then record the attempt; no key is written
          // that the database has not recorded (a database that cannot be reached stops here)
          const claim = await ctx.db.claim({
            masterKeyId,
            uid: s.uid,
            runId: ctx.runId,
            station: ctx.station,
            operator: ctx.operator,
            port,
          });
          if (!claim.ok) {
            const h = claim.holder;
            const message =
              h.state === 'done'
                ? `uid ${s.uid} was already provisioned with this master key (key id ${masterKeyId}) by ` +
                  `station ${h.station} on ${h.port} at ${h.claimedAt}; not written (at most once per uid: a second ` +
                  `board with the same uid?)`
                : `uid ${s.uid} is being provisioned by station ${h.station} (operator ${h.operator}, ${h.port}, since ${h.claimedAt}); not written`;
            await record('failed', { errorCode: 'E_FACTORY_CLAIMED', message });
            throw new EdgelockError('E_FACTORY_CLAIMED', message);
          }
          let sent = false;
          try {
            await record('attempt', { message: `writing device key ${s.keyId} into key slot ${DEVICE_KEY_SLOT}` });
            emit({ event: 'write', done: 2, total: STEPS });
            let wrote: 'written' | 'unchanged';
            try {
              sent = true;
              wrote = await client.keyWrite(deviceKey, DEVICE_KEY_SLOT);
            } catch (e) {
              if (asEdgelockError(e).code !== 'E_DEVICE_KEY_CONFLICT') throw e;
              const message = `another key was written into key slot ${DEVICE_KEY_SLOT} meanwhile; refused`;
              await record('refused-conflict', { errorCode: 'E_DEVICE_KEY_CONFLICT', message });
              throw new EdgelockError('E_DEVICE_KEY_CONFLICT', message);
            }
            emit({ event: 'verify', done: 3, total: STEPS });
            if (!sameBytes(await client.keyCheck(DEVICE_KEY_SLOT), expectedKcv(deviceKey))) {
              const message = `the key-check value after writing is not that of device key ${s.keyId}`;
              await record('failed', { errorCode: 'E_PROVISION_VERIFY', message });
              throw new EdgelockError('E_PROVISION_VERIFY', message);
            }
            const message =
              wrote === 'written'
                ? `device key ${s.keyId} written and verified by key-check value`
                : `device key ${s.keyId} was already there (no-op), verified`;
            const ev = await record(wrote, { message });
            await ctx.db.finishClaim(masterKeyId, s.uid, ctx.runId, 'done');
            emit({ event: wrote, done: STEPS, total: STEPS, message });
            return { ...s, outcome: wrote, eventId: ev.id };
          } catch (e) {
            // nothing reached the board: let others have the uid; otherwise the claim stays until its lease runs
            // out (this station may provision the board again at once: it answers "unchanged" if the key is there)
            if (!sent) await ctx.db.finishClaim(masterKeyId, s.uid, ctx.runId, 'released').catch(() => undefined);
            throw e;
          }
        } finally {
          deviceKey.fill(0);
        }
      },
      ctx.transport,
    );
  } catch (e) {
    const err = asEdgelockError(e);
    // when the database itself failed, recording the failure would only fail (or wait) again
    if (!recorded && err.code !== 'E_FACTORY_DB_UNREACHABLE' && err.code !== 'E_FACTORY_DB_BUSY') {
      try {
        await record('failed', { errorCode: err.code, message: err.message });
      } catch {
        // the database itself failed (busy): the original error is the one to report
      }
    }
    throw err;
  }
}

export interface ProvisionOptions {
  ports: string[];
  master: Buffer;
  db: FactoryDb;
  station: string;
  /** who runs the station (default: the OS user) */
  operator?: string;
  dryRun?: boolean;
  /** skip the typed confirmation */
  yes?: boolean;
  json?: boolean;
  /** asks the operator to confirm writing the listed boards (typedConfirmation); required unless yes or dryRun */
  confirm?: (plan: PlanEntry[]) => Promise<boolean>;
  streams?: OutputStreams;
  tty?: boolean;
  transport?: TransportOptions;
}

/** One line of the plan shown before the confirmation ('-' where the board did not answer). */
export interface PlanEntry {
  port: string;
  board: string;
  uid: string;
  firmwareVersion: string;
  keyId: string;
  /** 'write', or why the board will not be written */
  action: string;
}

function planOf(surveys: Awaited<ReturnType<typeof surveyBoards>>): PlanEntry[] {
  return surveys.map((s) =>
    'error' in s
      ? {
          port: s.port,
          board: '-',
          uid: '-',
          firmwareVersion: '-',
          keyId: '-',
          action: `unreachable (${s.error.code}); will not be written`,
        }
      : {
          port: s.port,
          board: s.board,
          uid: s.uid,
          firmwareVersion: s.firmwareVersion,
          keyId: s.keyId,
          action:
            s.state === 'empty'
              ? 'write'
              : s.state === 'same'
                ? 'no-op (already provisioned)'
                : 'refuse (holds a different key)',
        },
  );
}

/** The operator recorded when none is given: the OS user running the station. */
/** What a board's result was, in words. */
function outcomeText(r: ProvisionResult): string {
  if (r.outcome === 'dry-run') return r.wouldWrite ? 'dry run: would write' : 'dry run: already provisioned (no-op)';
  return r.outcome === 'unchanged' ? 'already provisioned (no-op)' : 'written and verified';
}

export function defaultOperator(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return process.env.USER || 'unknown';
  }
}

/** The phrase the operator types to confirm writing `n` boards. */
export function confirmationPhrase(n: number): string {
  return `provision ${n}`;
}

/** Runs provisioning over every port; resolves with one outcome per board (use exitCodeFor for the exit code). */
export async function provision(opts: ProvisionOptions): Promise<BoardOutcome<ProvisionResult>[]> {
  checkPorts(opts.ports);
  const runId = randomUUID();
  let confirmed: ProvisionContext['confirmed'] = 'all';
  if (!opts.yes && !opts.dryRun) {
    if (!opts.confirm)
      throw new EdgelockError(
        'E_USAGE',
        'provisioning writes keys that can never be changed: confirm on a terminal, or pass --yes',
      );
    const surveys = await surveyBoards(opts.ports, opts.master, opts.transport);
    const plan = planOf(surveys);
    const toWrite = plan.filter((p) => p.action === 'write');
    if (toWrite.length > 0 && !(await opts.confirm(plan)))
      throw new EdgelockError(
        'E_CONFIRM_DECLINED',
        `not confirmed; nothing was written (type exactly "${confirmationPhrase(toWrite.length)}")`,
      );
    confirmed = new Map(toWrite.map((p) => [p.port, p.uid]));
  }
  const ctx: ProvisionContext = {
    master: opts.master,
    db: opts.db,
    station: opts.station,
    operator: opts.operator ?? defaultOperator(),
    runId,
    dryRun: Boolean(opts.dryRun),
    confirmed,
    transport: opts.transport,
  };
  return runOnBoards(opts.ports, (port, emit) => provisionBoard(port, emit, ctx), {
    json: Boolean(opts.json),
    title: opts.dryRun ? 'provision (dry run)' : 'provision',
    streams: opts.streams,
    tty: opts.tty,
    summary: (r) => `${outcomeText(r)}; uid ${r.uid}, device key id ${r.keyId}`,
  });
}

/**
 * The typed confirmation: prints the plan and asks the operator to type "provision N" (N = boards to write).
 * Reads one line from `input`; end of input or anything else declines.
 */
export function typedConfirmation(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): (plan: PlanEntry[]) => Promise<boolean> {
  return (plan) => {
    const n = plan.filter((p) => p.action === 'write').length;
    const w = (k: keyof PlanEntry, title: string) => Math.max(title.length, ...plan.map((p) => String(p[k]).length));
    const cols: [keyof PlanEntry, string][] = [
      ['port', 'port'],
      ['board', 'board'],
      ['uid', 'unique id'],
      ['firmwareVersion', 'firmware'],
      ['keyId', 'device key id'],
      ['action', 'action'],
    ];
    const widths = cols.map(([k, t]) => w(k, t));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    output.write(
      [
        line(cols.map((c) => c[1])),
        line(widths.map((x) => '-'.repeat(x))),
        ...plan.map((p) => line(cols.map(([k]) => String(p[k])))),
      ].join('\n') + '\n',
    );
    output.write(
      `\nThis writes ${n} device key${n === 1 ? '' : 's'} into write-once key stores; they can never be changed or erased.\n`,
    );
    const phrase = confirmationPhrase(n);
    return new Promise<boolean>((resolve) => {
      const rl = readline.createInterface({ input, output, terminal: false });
      let answered = false;
      rl.on('close', () => {
        if (!answered) resolve(false);
      });
      rl.question(`Type "${phrase}" to continue: `, (answer) => {
        answered = true;
        rl.close();
        resolve(answer.trim() === phrase);
      });
    });
  };
}
