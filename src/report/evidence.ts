/**
 * The measurements behind a report, each made on the artefact itself (or the ONNX it was compiled
 * from) with the project's references: onnxruntime for ONNX, the official TFLite runtime for .tflite,
 * the real firmware for boards. Every function returns plain data; nothing here formats or draws.
 */
import { distillCopy } from '../attack/distill';
import { Fingerprint } from '../fingerprint/artefact';
import { checkFingerprintFile } from '../fingerprint/check';
import { AttackReport, pickFraction, runAttacks } from '../attack/run-attacks';
import { evaluateModelFile } from '../eval/evaluate';
import { LabelledSet } from '../eval/labelled-data';
import { Model } from '../ir/types';
import { readDescriptor } from '../lock/descriptor';
import { KeyMaterial } from '../lock/key-material';
import { unlockModel } from '../lock/lock-model';
import { unsealTflite } from '../lock/tflite-lock';
import { writeOnnx } from '../onnx';
import { LabelledData } from '../train/fit';
import { WatermarkRecord } from '../watermark/metadata';
import { fineTune, magnitudePrune } from '../attack/watermark-removal';
import { RUNNERS } from '../watermark/runners';
import { BaseData, verifyWithRunner } from '../watermark/verify';
import { ArtefactFacts } from './artefact';

export interface AccuracyEvidence {
  samples: number;
  /** the float ONNX source (unlocked with the key when it is locked) */
  source?: number;
  /** the artefact's model with the key (or as is, when it is not locked) */
  withKey?: number;
  /** a locked artefact's model run as stored: what a thief without the key gets */
  withoutKey?: number;
}

export interface WatermarkCheck {
  matches: number;
  triggers: number;
  pValue: number;
  verdict: boolean;
}

export interface CurvePoint {
  attack: 'pruning' | 'fine-tuning' | 'extraction';
  /** pruned fraction, fine-tuning epochs, or queries */
  x: number;
  accuracy: number;
  matches: number;
  triggers: number;
  pValue: number;
}

export interface WatermarkEvidence {
  nullRate: number;
  alpha: number;
  /** the artefact as shipped (int8, unlocked with the key) */
  artefact?: WatermarkCheck;
  source?: WatermarkCheck;
  curves: CurvePoint[];
}

export interface Owner {
  id: string;
  signature: Uint8Array;
}

export interface AttackBudgets {
  /** attacker's fraction of the training data for the lock attacks */
  fraction: number;
  /** attacker's fraction of the training data for fine-tuning the watermarked model */
  fineTuneFraction: number;
  /** training epochs of every training-based attack */
  epochs: number;
  pruneFractions: number[];
  fineTuneEpochs: number[];
  queryBudgets: number[];
  seed: number;
  threads?: number;
  /** lock attacks to run (default all; the from-scratch yardstick always runs) */
  lockAttacks?: string[];
}

export const DEFAULT_BUDGETS: AttackBudgets = {
  fraction: 0.01,
  fineTuneFraction: 0.1,
  epochs: 10,
  pruneFractions: [0, 0.3, 0.5, 0.7, 0.9],
  fineTuneEpochs: [1, 3],
  queryBudgets: [1000, 6000],
  seed: 1,
};

const toData = (s: LabelledSet): LabelledData => ({ x: s.x, labels: s.labels, count: s.count });

/** The artefact's model with the key applied (the model a genuine board computes). */
/** The fingerprint (src/fingerprint/) checked on the artefact as a key holder runs it. */
export interface FingerprintEvidence {
  file: string;
  count: number;
  nullRate: number;
  nullModels: number;
  /** on the artefact (absent when it is locked and no key was given) */
  artefact?: { matches: number; pValue: number; detected: boolean };
}

export async function measureFingerprint(
  facts: ArtefactFacts,
  fp: Fingerprint,
  file: string,
  material?: KeyMaterial,
): Promise<FingerprintEvidence> {
  const out: FingerprintEvidence = {
    file,
    count: fp.count,
    nullRate: fp.null.nullRate,
    nullModels: fp.null.models.length,
  };
  const bytes = unlockedModelBytes(facts, material);
  if (bytes) {
    const r = await checkFingerprintFile(bytes, facts.modelFormat, facts.file, fp);
    out.artefact = { matches: r.matches, pValue: r.pValue, detected: r.verdict === 'detected' };
  }
  return out;
}

export function unlockedModelBytes(facts: ArtefactFacts, material?: KeyMaterial): Uint8Array | null {
  if (!facts.lock) return facts.modelBytes;
  if (!material) return null;
  if (facts.modelFormat === 'tflite') return unsealTflite(facts.modelBytes, material);
  return writeOnnx(unlockModel(facts.onnx!, material));
}

/** The float source model, unlocked when it carries a lock descriptor (needs the key then). */
export function unlockedSource(source: Model, material?: KeyMaterial): Model | null {
  if (!readDescriptor(source)) return source;
  return material ? unlockModel(source, material) : null;
}

export async function measureAccuracy(
  facts: ArtefactFacts,
  test: LabelledSet,
  source: Model | null,
  material?: KeyMaterial,
): Promise<AccuracyEvidence> {
  const out: AccuracyEvidence = { samples: test.count };
  if (source) out.source = (await evaluateModelFile(writeOnnx(source), test)).accuracy;
  const unlocked = unlockedModelBytes(facts, material);
  if (unlocked) out.withKey = (await evaluateModelFile(unlocked, test)).accuracy;
  if (facts.lock) out.withoutKey = (await evaluateModelFile(facts.modelBytes, test)).accuracy;
  return out;
}

async function check(
  bytes: Uint8Array,
  format: 'onnx' | 'tflite',
  owner: Owner,
  record: WatermarkRecord,
  base: BaseData,
  nullRate: number,
  alpha: number,
): Promise<WatermarkCheck> {
  const runner = await RUNNERS[format]!(bytes, 'report');
  try {
    const r = await verifyWithRunner(runner, {
      signature: owner.signature,
      params: record,
      record,
      base,
      nullRate,
      alpha,
    });
    return { matches: r.matches, triggers: r.triggers, pValue: r.pValue, verdict: r.pValue <= alpha };
  } finally {
    runner.dispose();
  }
}

export interface WatermarkInputs {
  facts: ArtefactFacts;
  record: WatermarkRecord;
  owner: Owner;
  base: BaseData;
  test: LabelledSet;
  source: Model | null;
  material?: KeyMaterial;
  nullRate: number;
  alpha: number;
  /** run the removal and extraction curves with these budgets (they need the float source) */
  budgets?: AttackBudgets;
  log?: (line: string) => void;
}

export async function measureWatermark(w: WatermarkInputs): Promise<WatermarkEvidence> {
  const out: WatermarkEvidence = { nullRate: w.nullRate, alpha: w.alpha, curves: [] };
  const log = w.log ?? (() => undefined);
  const unlocked = unlockedModelBytes(w.facts, w.material);
  if (unlocked)
    out.artefact = await check(unlocked, w.facts.modelFormat, w.owner, w.record, w.base, w.nullRate, w.alpha);
  if (!w.source) return out;
  const sourceBytes = writeOnnx(w.source);
  out.source = await check(sourceBytes, 'onnx', w.owner, w.record, w.base, w.nullRate, w.alpha);
  const b = w.budgets;
  if (!b) return out;
  const point = async (attack: CurvePoint['attack'], x: number, m: Model): Promise<void> => {
    const bytes = writeOnnx(m);
    const c = await check(bytes, 'onnx', w.owner, w.record, w.base, w.nullRate, w.alpha);
    const accuracy = (await evaluateModelFile(bytes, w.test)).accuracy;
    out.curves.push({ attack, x, accuracy, matches: c.matches, triggers: c.triggers, pValue: c.pValue });
    log(
      `report: ${attack} ${x}: accuracy ${(100 * accuracy).toFixed(2)}%, watermark ${c.matches}/${c.triggers} p=${c.pValue.toExponential(1)}`,
    );
  };
  for (const f of b.pruneFractions) await point('pruning', f, f === 0 ? w.source : magnitudePrune(w.source, f));
  const baseData: LabelledData = { x: w.base.data, labels: w.base.labels, count: w.base.count };
  const attacker = pickFraction(baseData, b.fineTuneFraction, b.seed);
  for (const e of b.fineTuneEpochs)
    await point(
      'fine-tuning',
      e,
      await fineTune(w.source, attacker, { epochs: e, lr: 0.01, seed: b.seed, threads: b.threads }),
    );
  const victimBytes = unlocked ?? sourceBytes;
  const victim = await RUNNERS[unlocked ? w.facts.modelFormat : 'onnx']!(victimBytes, 'victim');
  try {
    const pool = pickFraction(baseData, 1, b.seed + 7);
    for (const q of b.queryBudgets) {
      const d = await distillCopy((x, n) => victim.predict(x, n), w.source, pool, {
        queries: q,
        epochs: b.epochs,
        seed: b.seed,
        threads: b.threads,
      });
      await point('extraction', d.queries, d.copy);
    }
  } finally {
    victim.dispose();
  }
  return out;
}

/** The project's attacks on a locked ONNX model (no key), at the attacker's data fraction. */
export function measureLockAttacks(
  lockedSource: Model,
  train: LabelledSet,
  test: LabelledSet,
  b: AttackBudgets,
): AttackReport {
  return runAttacks(lockedSource, toData(train), toData(test), {
    fraction: b.fraction,
    seed: b.seed,
    budget: { epochs: b.epochs },
    ...(b.lockAttacks ? { only: b.lockAttacks } : {}),
  });
}
