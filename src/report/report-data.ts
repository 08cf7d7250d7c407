/**
 * The content of a report as data: what `edgelock report --json` prints and what the HTML page is
 * rendered from. No key material ever: key ids, hashes and public records only.
 */
import { AttackReport } from '../attack/run-attacks';
import { LockFacts, PackageFacts } from './artefact';
import { BoardEvidence } from './board-evidence';
import { AccuracyEvidence, FingerprintEvidence, WatermarkEvidence } from './evidence';
import { Aspects, ProtectionId } from './protections';

export interface ArtefactSummary {
  file: string;
  format: 'onnx' | 'tflite' | 'elp';
  bytes: number;
  sha256: string;
  modelFormat: 'onnx' | 'tflite';
  /** bytes of the model that runs (a package's model record) */
  modelBytes: number;
  params: number;
  weightBytes: number;
  arenaBytes?: number;
  macs?: number;
  ops: Record<string, number>;
  inputShape: (number | string | null)[];
  classes: number | null;
  lock: LockFacts | null;
  watermark: { modelId: string; triggers: number; commitment: string } | null;
  package: PackageFacts | null;
}

export interface ProtectionEntry {
  id: ProtectionId;
  title: string;
  applied: boolean;
  aspects: Aspects;
  stops: string[];
  doesNotStop: string[];
  /** facts about this protection on this artefact (label, value) */
  details: [string, string][];
  /** the measured evidence in one line each */
  evidence: string[];
  docs: string;
}

export interface ReportData {
  format: 'edgelock-report';
  version: 1;
  generated: string;
  edgelock: string;
  artefact: ArtefactSummary;
  protections: ProtectionEntry[];
  evidence: {
    accuracy?: AccuracyEvidence;
    watermark?: WatermarkEvidence;
    fingerprint?: FingerprintEvidence;
    lockAttacks?: AttackReport;
    boards?: BoardEvidence[];
  };
  /** measurements not made, and what would make them */
  notMeasured: string[];
  /** the command-line inputs that produced the evidence (files and budgets, never keys) */
  inputs: Record<string, string>;
}
