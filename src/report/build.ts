/**
 * `edgelock report`: reads the artefact, decides which protections it carries, makes the
 * measurements the given inputs allow (accuracy, watermark and its robustness curves, lock attacks,
 * boards), and returns the report as data (./report-data.ts). Rendering is ./html.ts.
 */
import { Model } from '../ir/types';
import { LabelledSet } from '../eval/labelled-data';
import { KeyMaterial } from '../lock/key-material';
import { readDescriptor } from '../lock/descriptor';
import { VERSION } from '../version';
import { recordFromOnnx } from '../watermark/metadata';
import { resolveNull } from '../watermark/null-rate';
import { BaseData } from '../watermark/verify';
import { describeQueryLimits } from '../package/query-limits';
import { describeResponseMark } from '../package/response-mark';
import { describeScoreOffsets } from '../package/score-offsets';
import { ArtefactFacts, readArtefact } from './artefact';
import { BoardEvidence, measureBoard } from './board-evidence';
import {
  AttackBudgets,
  measureAccuracy,
  measureLockAttacks,
  measureWatermark,
  measureFingerprint,
  Owner,
  unlockedSource,
} from './evidence';
import {
  PROTECTION_ORDER,
  PROTECTIONS,
  ProtectionId,
  ProtectionInfo,
  QUERY_LIMIT_APPLIED,
  RESPONSE_MARK_APPLIED,
  SCORE_OFFSETS_APPLIED,
} from './protections';
import { Fingerprint } from '../fingerprint/artefact';
import { ArtefactSummary, ProtectionEntry, ReportData } from './report-data';

export interface ReportInput {
  artefact: { bytes: Uint8Array; file: string };
  /** the ONNX the artefact was compiled from (float; may be locked or watermarked) */
  source?: { model: Model; file: string };
  test?: LabelledSet;
  /** the training data: watermark base data, attacker data */
  train?: LabelledSet;
  material?: KeyMaterial;
  owner?: Owner;
  /** null match rate of the watermark test: a calibration JSON file or a number (default 1/C) */
  nullSpec?: string;
  alpha?: number;
  /** the owner's fingerprint file (edgelock fingerprint create), checked on the artefact */
  fingerprint?: { fp: Fingerprint; file: string };
  /** run the attacks with these budgets */
  attacks?: AttackBudgets;
  boards?: string[];
  boardRuns?: number;
  /** evidence measured elsewhere (the main job measures boards while it has them) */
  boardEvidence?: BoardEvidence[];
  log?: (line: string) => void;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const pText = (p: number) => (p > 0 ? p.toExponential(1) : '< 1e-300');

function summary(f: ArtefactFacts): ArtefactSummary {
  return {
    file: f.file,
    format: f.format,
    bytes: f.bytes,
    sha256: f.sha256,
    modelFormat: f.modelFormat,
    modelBytes: f.modelBytes.length,
    params: f.params,
    weightBytes: f.weightBytes,
    ...(f.arenaBytes !== undefined ? { arenaBytes: f.arenaBytes } : {}),
    ...(f.macs !== undefined ? { macs: f.macs } : {}),
    ops: f.ops,
    inputShape: f.inputShape,
    classes: f.classes,
    lock: f.lock,
    watermark: f.watermark
      ? { modelId: f.watermark.modelId, triggers: f.watermark.triggers, commitment: f.watermark.commitment }
      : null,
    package: f.package,
  };
}

function entry(
  id: ProtectionId,
  applied: boolean,
  details: [string, string][],
  evidence: string[],
  size?: string,
  /** what the protection says when applied, where that differs from its 'not applied' entry (query limits, mark) */
  appliedInfo?: Pick<ProtectionInfo, 'aspects' | 'stops' | 'doesNotStop'>,
): ProtectionEntry {
  const p = PROTECTIONS[id];
  const info = appliedInfo ?? p;
  return {
    id,
    title: p.title,
    applied,
    aspects: { ...info.aspects, ...(size ? { size } : {}) },
    stops: info.stops,
    doesNotStop: info.doesNotStop,
    details,
    evidence,
    docs: p.docs,
  };
}

function protectionsOf(f: ArtefactFacts, d: ReportData): ProtectionEntry[] {
  const e = d.evidence;
  const out: Partial<Record<ProtectionId, ProtectionEntry>> = {};
  const lockEvidence: string[] = [];
  if (e.accuracy?.withKey !== undefined && f.lock)
    lockEvidence.push(
      `with the key ${pct(e.accuracy.withKey)}, without ` +
        `it ${e.accuracy.withoutKey !== undefined ? pct(e.accuracy.withoutKey) : 'not measured'} ` +
        `(${e.accuracy.samples} samples)`,
    );
  if (e.lockAttacks) {
    const scratch = e.lockAttacks.rows.find((r) => r.attack === 'from-scratch');
    lockEvidence.push(
      `best attack − from scratch: ${(100 * e.lockAttacks.bestMarginOverScratch).toFixed(2)} points ` +
        `(${e.lockAttacks.trainSamples} attacker samples; from scratch ${scratch ? pct(scratch.accuracy) : '?'})`,
    );
  }
  out.lock = entry(
    'lock',
    !!f.lock,
    f.lock
      ? [
          ['scheme', f.lock.scheme],
          [
            'key binding',
            f.lock.binding === 'device' ? 'one device (device key)' : 'per-model key, wrapped to each device',
          ],
          ['lock key id', f.lock.keyId],
          ['locked tensors', `${f.lock.lockedTensors} (${f.lock.lockedBytes} bytes)`],
        ]
      : [],
    lockEvidence,
    f.lock
      ? `${f.lock.lockedBytes} bytes of weights in ${f.lock.lockedTensors} tensors (all learned tensors)`
      : undefined,
  );
  const wmEvidence: string[] = [];
  const w = e.watermark;
  if (w?.artefact)
    wmEvidence.push(
      `this artefact: ${w.artefact.matches}/${w.artefact.triggers} triggers, p = ${pText(w.artefact.pValue)} ` +
        `→ ${w.artefact.verdict ? 'owner proven' : 'not proven'}`,
    );
  if (w?.source)
    wmEvidence.push(`float source: ${w.source.matches}/${w.source.triggers} triggers, p = ${pText(w.source.pValue)}`);
  for (const kind of ['pruning', 'fine-tuning', 'extraction'] as const) {
    const pts = w?.curves.filter((c) => c.attack === kind) ?? [];
    if (!pts.length) continue;
    const survived = pts.filter((c) => c.pValue <= (w?.alpha ?? 0)).length;
    wmEvidence.push(
      `${kind}: detected on ${survived}/${pts.length} attacked copies (${pts.map((c) => `${c.x}: p ${pText(c.pValue)}, acc ${pct(c.accuracy)}`).join('; ')})`,
    );
  }
  out.watermark = entry(
    'watermark',
    !!f.watermark,
    f.watermark
      ? [
          ['model id', f.watermark.modelId],
          ['triggers', String(f.watermark.triggers)],
          ['commitment', f.watermark.commitment.slice(0, 16) + '…'],
        ]
      : [],
    wmEvidence,
    f.watermark ? `${f.watermark.triggers} trigger inputs; the whole model's behaviour on them` : undefined,
  );
  out.package = entry(
    'package',
    !!f.package,
    f.package
      ? [
          ['version', f.package.version],
          ['security counter', String(f.package.securityCounter)],
          ['device uid', f.package.deviceUid],
          ['wrapped model key', f.package.wrappedModelKey ? 'yes' : 'no'],
          ['package sha256', f.package.sha256.slice(0, 16) + '…'],
        ]
      : [],
    [],
    f.package ? `${f.package.bytes} bytes, for one device` : undefined,
  );
  const boards = e.boards ?? [];
  out.attestation = entry(
    'attestation',
    !!f.package,
    [],
    boards
      .filter((b) => b.genuineDevice !== undefined)
      .map(
        (b) =>
          `board ${b.uid}: device ${b.genuineDevice ? 'genuine' : 'NOT genuine'}` +
          (b.runsArtefact === undefined ? '' : b.runsArtefact ? ', runs this package' : ', does NOT run this package'),
      ),
  );
  const fe = e.fingerprint;
  out.fingerprint = entry(
    'fingerprint',
    !!fe,
    fe
      ? [
          ['file', fe.file],
          ['inputs', String(fe.count)],
          ['null match rate', `${fe.nullRate.toFixed(3)} (${fe.nullModels} independent models)`],
        ]
      : [],
    fe?.artefact
      ? [
          `on this artefact: ${fe.artefact.matches}/${fe.count} fingerprint labels, p ` +
            `= ${pText(fe.artefact.pValue)} (${fe.artefact.detected ? 'identified' : 'NOT identified'})`,
        ]
      : [],
    fe ? `${fe.count} crafted inputs; no change to the model` : undefined,
  );
  const limits = f.package?.queryLimits;
  out['query-limit'] = entry(
    'query-limit',
    !!limits,
    limits
      ? [
          ['budget', describeQueryLimits(limits)],
          ['lifetime', limits.lifetime ? `${limits.lifetime} inferences per security counter` : 'no limit'],
          ['per boot', limits.perBoot ? `${limits.perBoot} inferences` : 'no limit'],
          ['rate', limits.rateCount ? `${limits.rateCount} per ${limits.rateWindowMs} ms` : 'no limit'],
        ]
      : [],
    [],
    limits ? 'every inference the board answers with this package, on any slot' : undefined,
    limits ? QUERY_LIMIT_APPLIED : undefined,
  );
  const mark = f.package?.responseMark;
  out['response-mark'] = entry(
    'response-mark',
    !!mark,
    mark
      ? [
          ['mark', describeResponseMark(mark)],
          ['board', f.package!.deviceUid],
        ]
      : [],
    [],
    mark ? `${(mark.ratePpm / 10_000).toString()}% of the answers, decided per coarse input code` : undefined,
    mark ? RESPONSE_MARK_APPLIED : undefined,
  );
  const offsets = f.package?.scoreOffsets;
  out['score-offsets'] = entry(
    'score-offsets',
    !!offsets,
    offsets
      ? [
          ['offsets', describeScoreOffsets(offsets)],
          ['board', f.package!.deviceUid],
        ]
      : [],
    [],
    offsets ? 'every answer, on any slot' : undefined,
    offsets ? SCORE_OFFSETS_APPLIED : undefined,
  );
  // a trace code is told only against the base model (edgelock trace); the artefact alone does not show it
  out.trace = entry('trace', false, [], []);
  return PROTECTION_ORDER.map((id) => out[id]!);
}

export async function buildReport(input: ReportInput): Promise<ReportData> {
  const log = input.log ?? (() => undefined);
  const facts = readArtefact(input.artefact.bytes, input.artefact.file);
  // a .tflite compiled without the watermark record still carries the watermark: take the record from its source
  if (!facts.watermark && input.source) facts.watermark = recordFromOnnx(input.source.model, input.source.file);
  if (facts.package && input.material && !input.material.deviceUid)
    input.material = { ...input.material, deviceUid: Buffer.from(facts.package.deviceUid, 'hex') };
  const d: ReportData = {
    format: 'edgelock-report',
    version: 1,
    generated: new Date().toISOString(),
    edgelock: VERSION,
    artefact: summary(facts),
    protections: [],
    evidence: {},
    notMeasured: [],
    inputs: { artefact: input.artefact.file },
  };
  if (input.source) d.inputs.source = input.source.file;
  if (input.test) d.inputs.test = `${input.test.name} (${input.test.count} samples)`;
  const source = input.source ? unlockedSource(input.source.model, input.material) : null;
  if (input.source && !source)
    d.notMeasured.push(
      'the float source is locked and no key was given: source accuracy and watermark curves not measured',
    );

  if (input.test) {
    log('report: accuracy');
    d.evidence.accuracy = await measureAccuracy(facts, input.test, source, input.material);
    if (facts.lock && !input.material)
      d.notMeasured.push('accuracy with the key: pass --master-key (and --device-uid for a device-bound .tflite/ONNX)');
  } else d.notMeasured.push('accuracy: pass --data <labelled test data>');

  const record = facts.watermark;
  if (record && input.owner && input.train) {
    log('report: watermark');
    const base: BaseData = { data: input.train.x, labels: input.train.labels, count: input.train.count };
    d.evidence.watermark = await measureWatermark({
      facts,
      record,
      owner: input.owner,
      base,
      test: input.test ?? input.train,
      source,
      material: input.material,
      nullRate: input.nullSpec ? resolveNull(input.nullSpec, record.classes).nullRate : 1 / record.classes,
      alpha: input.alpha ?? 1e-6,
      budgets: input.attacks,
      log,
    });
    if (!input.attacks)
      d.notMeasured.push('watermark under pruning, fine-tuning and extraction: pass --attacks (and --source)');
  } else if (record) d.notMeasured.push('watermark check: pass --owner, --owner-key and --base');

  if (input.fingerprint) {
    log('report: fingerprint');
    d.evidence.fingerprint = await measureFingerprint(
      facts,
      input.fingerprint.fp,
      input.fingerprint.file,
      input.material,
    );
    d.inputs.fingerprint = input.fingerprint.file;
  } else d.notMeasured.push('fingerprint: pass --fingerprint <fp.json> (edgelock fingerprint create)');

  if (input.attacks && input.source && readDescriptor(input.source.model) && input.train && input.test) {
    log('report: lock attacks');
    d.evidence.lockAttacks = measureLockAttacks(input.source.model, input.train, input.test, input.attacks);
  } else if (facts.lock)
    d.notMeasured.push('attacks on the lock: pass --attacks with the locked ONNX as --source, --data and --base');

  if (input.boardEvidence) d.evidence.boards = input.boardEvidence;
  else if (input.boards?.length) {
    d.evidence.boards = [];
    for (const port of input.boards) {
      log(`report: board on ${port}`);
      d.evidence.boards.push(
        await measureBoard(port, facts, input.test ?? null, input.boardRuns ?? 10, input.material?.master),
      );
    }
  } else d.notMeasured.push('on-device cost and attestation: pass --boards <port>…');

  d.protections = protectionsOf(facts, d);
  return d;
}
