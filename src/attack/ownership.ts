/**
 * The ownership checks an extraction report runs on the stolen copy (and on the victim, as the
 * control): each is one entry of OWNERSHIP_CHECKS, queried black-box through a ClassifierRunner, so
 * the same check works on a file, a copy in memory or a board. A check whose inputs were not given
 * (no owner key, no watermark record) answers 'skipped' with the reason. Adding a check is one entry.
 */
import { ClassifierRunner } from '../watermark/runners';
import { WatermarkRecord } from '../watermark/metadata';
import { BaseData, verifyWithRunner } from '../watermark/verify';
import { MarkVerdict, ScoringRunner } from '../response-mark/verify';
import { OffsetsVerdict } from '../score-offsets/verify';

/** What the owner brings to the checks; each check uses what it needs. */
export interface OwnershipInputs {
  /** the owner's signature (src/watermark/signature.ts), from --owner and --owner-key */
  signature?: Uint8Array;
  /** the trigger watermark's record: from the victim file or --params */
  watermark?: WatermarkRecord;
  /** the owner's base data the triggers are drawn from */
  base?: BaseData;
  /** the trigger watermark's null match rate and where it came from */
  nullRate?: number;
  nullSource?: string;
  /** significance level: a check says 'detected' at p ≤ alpha */
  alpha: number;
  /** the response mark's check on a subject (src/cli/commands/response-mark.ts prepareMarkCheck), from
   * --response-mark <board.elp> and --mark-key; it names a board at its own alpha (1e-6 by default) */
  responseMark?: (subject: ClassifierRunner) => Promise<MarkVerdict>;
  /** the score offsets' check on a subject that answers scores (src/cli/commands/score-offsets.ts
   * prepareOffsetsCheck), from --score-offsets <board.elp> and --mark-key; it names a board at p ≤ 1e-6 */
  scoreOffsets?: (subject: ScoringRunner) => Promise<OffsetsVerdict>;
}

export interface OwnershipVerdict {
  status: 'detected' | 'not detected' | 'skipped';
  /** p-value of the check's statistic under "not derived from the owner's model" */
  pValue?: number;
  log10PValue?: number;
  /** what was measured, e.g. "3/100 trigger labels" */
  evidence: string;
  /** why the check was skipped */
  reason?: string;
}

export interface OwnershipCheck {
  name: string;
  title: string;
  check(subject: ClassifierRunner, inputs: OwnershipInputs): Promise<OwnershipVerdict>;
}

const skipped = (reason: string): OwnershipVerdict => ({ status: 'skipped', evidence: '', reason });

/** The Guo-style trigger watermark (docs/watermark.md): the owner's triggers' labels against the null rate. */
export const triggerWatermark: OwnershipCheck = {
  name: 'watermark',
  title: 'trigger watermark',
  async check(subject, inputs) {
    if (!inputs.signature) return skipped('needs --owner <id> and --owner-key <keyfile>');
    if (!inputs.watermark) return skipped('no watermark record: the victim carries none; pass --params');
    if (!inputs.base) return skipped('needs the base data (--base)');
    const r = await verifyWithRunner(subject, {
      signature: inputs.signature,
      params: inputs.watermark,
      record: null,
      base: inputs.base,
      nullRate: inputs.nullRate ?? 1 / inputs.watermark.classes,
      alpha: inputs.alpha,
    });
    return {
      status: r.verdict,
      pValue: r.pValue,
      log10PValue: r.log10PValue,
      evidence: `${r.matches}/${r.triggers} trigger labels (null rate ${r.nullRate.toPrecision(3)})`,
    };
  },
};

/** The response mark (docs/watermark.md, "Response mark"): the marking board's keyed answers repeated by the subject. */
export const responseMark: OwnershipCheck = {
  name: 'response-mark',
  title: 'response mark',
  async check(subject, inputs) {
    if (!inputs.responseMark) return skipped('needs --response-mark <board.elp> and --mark-key <master key>');
    const r = await inputs.responseMark(subject);
    const best = [...r.candidates].sort((a, b) => a.familyP - b.familyP)[0];
    return {
      status: r.named.length ? 'detected' : 'not detected',
      pValue: best.familyP,
      log10PValue: Math.log10(best.familyP),
      evidence:
        `board ${best.uid}: ${best.matches}/${best.trials} marked codes ` +
        (r.statistic === 'scores'
          ? 'with the keyed class the most probable eligible one'
          : 'answered with the keyed class') +
        ` (${best.expected.toFixed(1)} expected without the key)` +
        (best.logRatio
          ? `; weighted lead p ${best.weightedLead!.p.toExponential(1)}; log-ratio over ${best.logRatio[0].codes} codes ` +
            best.logRatio.map((x) => `p ${x.p.toExponential(1)} (floor e^-${x.floor})`).join(', ')
          : '') +
        (r.null.holds ? '' : '; decoy check failed'),
    };
  },
};

/** The score offsets (docs/watermark.md, "Score offsets"): the board's keyed offsets carried by the subject's scores. */
export const scoreOffsets: OwnershipCheck = {
  name: 'score-offsets',
  title: 'score offsets',
  async check(subject, inputs) {
    if (!inputs.scoreOffsets) return skipped('needs --score-offsets <board.elp> and --mark-key <master key>');
    const scoring = subject as Partial<ScoringRunner>;
    if (typeof scoring.scores !== 'function') return skipped('the subject answers no scores');
    const r = await inputs.scoreOffsets(scoring as ScoringRunner);
    const best = [...r.candidates].sort((a, b) => b.z - a.z)[0];
    return {
      status: r.named.length ? 'detected' : 'not detected',
      pValue: best.familyP,
      log10PValue: Math.log10(best.familyP),
      evidence: `board ${best.uid}: Z ${best.z.toFixed(2)} on ${r.pool.count} pool inputs (× ${r.candidates.length} candidates)`,
    };
  },
};

export const OWNERSHIP_CHECKS: OwnershipCheck[] = [triggerWatermark, responseMark, scoreOffsets];
