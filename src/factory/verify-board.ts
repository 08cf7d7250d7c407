/**
 * The per-board part of `edgelock verify`: attestation under the device key derived from the master key
 * (genuine device; an active authenticated package = genuine model) and, with an owner, the owner watermark
 * run on the board's active model. Throws E_VERIFY_FAILED (carrying the verdict) when a check fails.
 */
import { DeviceClient } from '../device/client';
import { EdgelockError } from '../errors';
import { BaseData } from '../watermark/verify';
import { Attestation, attest } from './attest';
import { ownerCheck, watermarkParams } from './attest-owner';
import { Emit } from './multi-board';

export interface OwnerVerdict {
  owner: string;
  detected: boolean;
  matches: number;
  triggers: number;
  pValue: number;
  log10PValue: number;
  nullRate: number;
  nullSource: string;
  alpha: number;
  commitment: string;
}

/** The fingerprint check on the active model (src/fingerprint/, run through the hook `verify --fingerprint` gives). */
export interface FingerprintVerdict {
  detected: boolean;
  matches: number;
  count: number;
  nullRate: number;
  pValue: number;
  log10PValue: number;
  alpha: number;
}

export type FingerprintHook = (client: DeviceClient, slot: number) => Promise<FingerprintVerdict>;

/** The response mark on the board's answers (src/response-mark/, run through the hook `verify --response-mark` gives):
 * does the board answer with its own board's keyed marks? */
export interface ResponseMarkVerdict {
  detected: boolean;
  matches: number;
  trials: number;
  pValue: number;
  alpha: number;
}

export type ResponseMarkHook = (client: DeviceClient, slot: number, uid: string) => Promise<ResponseMarkVerdict>;

/** The score offsets in the board's answers (src/score-offsets/, the hook `verify --score-offsets` gives): does the
 * board add its own board's keyed offsets to its scores? */
export interface ScoreOffsetsVerdict {
  detected: boolean;
  z: number;
  inputs: number;
  pValue: number;
  alpha: number;
}

export type ScoreOffsetsHook = (client: DeviceClient, slot: number, uid: string) => Promise<ScoreOffsetsVerdict>;

/** The optional checks of the board's active model beside attestation (each from a `verify` option). */
export interface BoardHooks {
  fingerprint?: FingerprintHook;
  responseMark?: ResponseMarkHook;
  scoreOffsets?: ScoreOffsetsHook;
}

export interface Verdict extends Attestation {
  verdict: 'genuine' | 'not genuine';
  watermark?: OwnerVerdict;
  fingerprint?: FingerprintVerdict;
  responseMark?: ResponseMarkVerdict;
  scoreOffsets?: ScoreOffsetsVerdict;
}

export function pText(w: { pValue: number; log10PValue: number }): string {
  return w.pValue > 0 ? w.pValue.toExponential(2) : `10^${w.log10PValue.toFixed(1)}`;
}

export function verdictSummary(v: Verdict): string {
  return (
    `device ${v.uid}: ` +
    `device ${v.genuineDevice ? 'genuine' : 'NOT genuine'}${v.flavour ? `, firmware ${v.flavour}` : ''}, ` +
    `model ${v.genuineModel ? `genuine (version ${v.version}, counter ${v.securityCounter}, package ${v.packageSha256!.slice(0, 16)}…)` : 'NOT genuine'}` +
    (v.watermark
      ? `, owner '${v.watermark.owner}' watermark ${v.watermark.detected ? 'present' : 'NOT present'} ` +
        `(${v.watermark.matches}/${v.watermark.triggers} triggers, p ${pText(v.watermark)})`
      : '') +
    (v.fingerprint
      ? `, fingerprint ${v.fingerprint.detected ? 'present' : 'NOT present'} (${v.fingerprint.matches}/${v.fingerprint.count}, p ${pText(v.fingerprint)})`
      : '') +
    (v.responseMark
      ? `, response mark ${v.responseMark.detected ? 'present' : 'NOT present'} (${v.responseMark.matches}/${v.responseMark.trials} marked codes, p ` +
        `${v.responseMark.pValue.toExponential(2)})`
      : '') +
    (v.scoreOffsets
      ? `, score offsets ${v.scoreOffsets.detected ? 'present' : 'NOT present'} (Z ${v.scoreOffsets.z.toFixed(1)} on ` +
        `${v.scoreOffsets.inputs} inputs, p ${v.scoreOffsets.pValue.toExponential(2)})`
      : '') +
    (v.reason ? ` — ${v.reason}` : '')
  );
}

export interface OwnerSetup {
  owner: string;
  signature: Uint8Array;
  record: ReturnType<typeof watermarkParams>['record'];
  base: BaseData;
  nullRate: number;
  nullSource: string;
  alpha: number;
}

export async function verifyBoard(
  client: DeviceClient,
  master: Uint8Array,
  owner: OwnerSetup | null,
  emit: Emit = () => undefined,
  { fingerprint, responseMark, scoreOffsets }: BoardHooks = {},
): Promise<Verdict> {
  emit({ event: 'attest', message: 'challenge-response with a fresh nonce' });
  const a = await attest(client, master);
  const v: Verdict = { ...a, verdict: a.genuineDevice && a.genuineModel ? 'genuine' : 'not genuine' };
  if (owner && a.activeSlot !== null) {
    emit({ event: 'watermark', message: `running owner '${owner.owner}' triggers on slot ${a.activeSlot}` });
    const r = await ownerCheck(client, {
      ...owner,
      slot: a.activeSlot,
      onProgress: (done, total) => emit({ event: 'progress', done, total }),
    });
    v.watermark = {
      owner: owner.owner,
      detected: r.verdict === 'detected',
      matches: r.matches,
      triggers: r.triggers,
      pValue: r.pValue,
      log10PValue: r.log10PValue,
      nullRate: r.nullRate,
      nullSource: owner.nullSource,
      alpha: r.alpha,
      commitment: r.commitment,
    };
    if (!v.watermark.detected) v.verdict = 'not genuine';
  } else if (owner) {
    v.reason = v.reason ?? 'no active model to check the watermark on';
  }
  if (fingerprint && a.activeSlot !== null) {
    emit({ event: 'fingerprint', message: `running the fingerprint inputs on slot ${a.activeSlot}` });
    v.fingerprint = await fingerprint(client, a.activeSlot);
    if (!v.fingerprint.detected) v.verdict = 'not genuine';
  } else if (fingerprint) {
    v.reason = v.reason ?? 'no active model to check the fingerprint on';
  }
  if (responseMark && a.activeSlot !== null) {
    emit({ event: 'response-mark', message: `querying the marked pool inputs on slot ${a.activeSlot}` });
    v.responseMark = await responseMark(client, a.activeSlot, a.uid);
    if (!v.responseMark.detected) v.verdict = 'not genuine';
  } else if (responseMark) {
    v.reason = v.reason ?? 'no active model to check the response mark on';
  }
  if (scoreOffsets && a.activeSlot !== null) {
    emit({ event: 'score-offsets', message: `querying the offsets pool on slot ${a.activeSlot}` });
    v.scoreOffsets = await scoreOffsets(client, a.activeSlot, a.uid);
    if (!v.scoreOffsets.detected) v.verdict = 'not genuine';
  } else if (scoreOffsets) {
    v.reason = v.reason ?? 'no active model to check the score offsets on';
  }
  if (v.verdict !== 'genuine')
    throw Object.assign(new EdgelockError('E_VERIFY_FAILED', verdictSummary(v)), { verdict: v });
  return v;
}
