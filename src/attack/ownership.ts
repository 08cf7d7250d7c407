/**
 * The ownership checks an extraction report runs on the stolen copy (and on the victim, as the
 * control): each is one entry of OWNERSHIP_CHECKS, queried black-box through a ClassifierRunner, so
 * the same check works on a file, a copy in memory or a board. A check whose inputs were not given
 * (no owner key, no watermark record) answers 'skipped' with the reason. Adding a check is one entry.
 */
import { ClassifierRunner } from '../watermark/runners';
import { WatermarkRecord } from '../watermark/metadata';
import { BaseData, verifyWithRunner } from '../watermark/verify';

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

export const OWNERSHIP_CHECKS: OwnershipCheck[] = [triggerWatermark];
