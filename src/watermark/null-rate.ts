/**
 * The null match rate: how often a model that never saw the watermark gives the trigger label.
 * Calibrated on clean models of the same architecture (src/watermark/calibrate.ts) and stored as
 * a small JSON file; the rate used is the larger of 1/C and the one-sided Clopper–Pearson upper
 * bound (confidence 99.9%) of the pooled match rate, and of the largest single-model rate.
 */
import { EdgelockError } from '../errors';
import { writeFileAtomic } from '../formats/atomic-write';
import { readInputFile } from '../data/read-input';
import { clopperPearsonUpper } from './binomial';
import { SCHEME } from './params';

export const NULL_CONFIDENCE = 0.999;

export interface NullModelResult {
  /** File name or "seed <n>". */
  model: string;
  matches: number;
  trials: number;
  /** Clean test accuracy when measured. */
  accuracy?: number;
}

export interface NullCalibration {
  kind: 'edgelock-watermark-null';
  scheme: typeof SCHEME;
  classes: number;
  /** Signatures probed per model (the owner's and deterministic probe signatures). */
  signatures: number;
  models: NullModelResult[];
  pooledMatches: number;
  pooledTrials: number;
  confidence: number;
  upperBound: number;
  maxModelRate: number;
  /** The rate verification uses. */
  nullRate: number;
}

/** What clean models' matches say about the null (also the fingerprint's): pooled counts, the pooled rate's
 * one-sided Clopper–Pearson upper bound at NULL_CONFIDENCE, and the largest single-model rate. */
export function pooledNull(models: { matches: number; trials: number }[]) {
  const pooledMatches = models.reduce((s, m) => s + m.matches, 0);
  const pooledTrials = models.reduce((s, m) => s + m.trials, 0);
  return {
    pooledMatches,
    pooledTrials,
    confidence: NULL_CONFIDENCE,
    upperBound: clopperPearsonUpper(pooledMatches, pooledTrials, 1 - NULL_CONFIDENCE),
    maxModelRate: Math.max(0, ...models.map((m) => m.matches / m.trials)),
  };
}

export function summariseNull(classes: number, signatures: number, models: NullModelResult[]): NullCalibration {
  const pooled = pooledNull(models);
  return {
    kind: 'edgelock-watermark-null',
    scheme: SCHEME,
    classes,
    signatures,
    models,
    ...pooled,
    nullRate: Math.max(1 / classes, pooled.upperBound, pooled.maxModelRate),
  };
}

export function writeNull(file: string, n: NullCalibration): void {
  writeFileAtomic(file, JSON.stringify(n, null, 2) + '\n');
}

export function readNull(file: string): NullCalibration {
  const text = readInputFile(file, {
    missingCode: 'E_WATERMARK_NULL',
    maxBytes: 1 << 20,
    what: 'null calibration',
  }).toString('utf8');
  let n: NullCalibration;
  try {
    n = JSON.parse(text) as NullCalibration;
  } catch {
    throw new EdgelockError('E_WATERMARK_NULL', `'${file}' is not JSON`, { file });
  }
  if (n.kind !== 'edgelock-watermark-null' || !(n.nullRate > 0 && n.nullRate < 1) || !Number.isInteger(n.classes)) {
    throw new EdgelockError('E_WATERMARK_NULL', `'${file}' is not an edgelock watermark null calibration`, { file });
  }
  return n;
}

/** `--null` accepts a rate in (0, 1) or a calibration file. */
export function resolveNull(spec: string, classes: number): { nullRate: number; source: string } {
  if (/^(0?\.\d+|\d\.?\d*e-\d+)$/i.test(spec.trim())) {
    const r = Number(spec);
    if (!(r > 0 && r < 1)) throw new EdgelockError('E_USAGE', `--null ${spec}: a rate must be in (0, 1)`);
    return { nullRate: r, source: `--null ${spec}` };
  }
  const n = readNull(spec);
  if (n.classes !== classes)
    throw new EdgelockError(
      'E_WATERMARK_NULL',
      `'${spec}' was calibrated for ${n.classes} classes, the model has ${classes}`,
      { file: spec },
    );
  return { nullRate: n.nullRate, source: spec };
}

/** Where calibrate writes by default and verify looks: `<model without extension>.wm-null.json`. */
export function defaultNullPath(modelFile: string): string {
  return modelFile.replace(/\.(onnx|tflite)$/i, '') + '.wm-null.json';
}
