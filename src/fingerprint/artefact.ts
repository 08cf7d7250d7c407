/**
 * The fingerprint file (owner side): the fingerprint inputs, the label the owner's model gives each,
 * the null match rate measured on independently trained models, and the public crafting parameters.
 * JSON, versioned; the inputs travel as base64 little-endian float32 with their SHA-256. It holds no
 * key: what it must keep private is only the inputs themselves (a thief who has them could train
 * the copy away from them), so store it like the owner's other evidence. Reading validates every
 * field and fails with E_FINGERPRINT_FORMAT naming the field.
 */
import { createHash } from 'crypto';
import { readInputFile } from '../data/read-input';
import { EdgelockError } from '../errors';
import { writeFileAtomic } from '../formats/atomic-write';

export const FINGERPRINT_KIND = 'edgelock-fingerprint';
export const FINGERPRINT_VERSION = 1;
export const FINGERPRINT_METHOD = 'conferrable-adversarial-examples';

export interface NullModel {
  /** what the model is ("lenet seed 41 on 20000 true labels") */
  model: string;
  matches: number;
  trials: number;
  accuracy?: number;
}

export interface FingerprintNull {
  /** independently trained models measured on the fingerprint (none of them helped craft it) */
  models: NullModel[];
  pooledMatches: number;
  pooledTrials: number;
  /** one-sided Clopper–Pearson confidence of upperBound */
  confidence: number;
  upperBound: number;
  maxModelRate: number;
  /** added to the larger of upperBound and maxModelRate */
  margin: number;
  /** the rate verification uses */
  nullRate: number;
}

export interface Fingerprint {
  kind: typeof FINGERPRINT_KIND;
  version: typeof FINGERPRINT_VERSION;
  method: typeof FINGERPRINT_METHOD;
  /** SHA-256 of the owner's model file the fingerprint was made from */
  modelSha256: string;
  classes: number;
  /** per-sample input shape in the ONNX (NCHW) layout */
  sampleShape: number[];
  count: number;
  inputs: Float32Array;
  labels: number[];
  null: FingerprintNull;
  /** default significance level of verification */
  alpha: number;
  /** public parameters the fingerprint was crafted with (informative) */
  crafting: Record<string, number | string | string[]>;
}

function fail(field: string, why: string, file?: string): never {
  throw new EdgelockError('E_FINGERPRINT_FORMAT', `${file ? `'${file}': ` : ''}${field} ${why}`, file ? { file } : {});
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function floatBytes(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 4);
  for (let i = 0; i < x.length; i++) b.writeFloatLE(x[i], i * 4);
  return b;
}

export function serialiseFingerprint(f: Fingerprint): string {
  const bytes = floatBytes(f.inputs);
  const json = {
    kind: f.kind,
    version: f.version,
    method: f.method,
    modelSha256: f.modelSha256,
    classes: f.classes,
    sampleShape: f.sampleShape,
    count: f.count,
    labels: f.labels,
    null: f.null,
    alpha: f.alpha,
    crafting: f.crafting,
    inputsSha256: sha256(bytes),
    inputs: bytes.toString('base64'),
  };
  return JSON.stringify(json, null, 1) + '\n';
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isRate = (v: unknown): v is number => typeof v === 'number' && v > 0 && v < 1;

function checkNull(n: unknown, file?: string): FingerprintNull {
  if (!n || typeof n !== 'object') fail('null', 'is missing', file);
  const o = n as Record<string, unknown>;
  if (!Array.isArray(o.models) || o.models.length === 0) fail('null.models', 'must list the models measured', file);
  for (const [i, m] of (o.models as unknown[]).entries()) {
    const r = m as Record<string, unknown>;
    if (
      !r ||
      typeof r.model !== 'string' ||
      !isInt(r.matches) ||
      !isInt(r.trials) ||
      r.matches < 0 ||
      r.matches > r.trials
    )
      fail(`null.models[${i}]`, 'needs model, matches ≤ trials', file);
  }
  for (const k of ['pooledMatches', 'pooledTrials'] as const)
    if (!isInt(o[k])) fail(`null.${k}`, 'must be an integer', file);
  for (const k of ['confidence', 'nullRate'] as const) if (!isRate(o[k])) fail(`null.${k}`, 'must be in (0, 1)', file);
  for (const k of ['upperBound', 'maxModelRate', 'margin'] as const)
    if (typeof o[k] !== 'number' || !((o[k] as number) >= 0 && (o[k] as number) <= 1))
      fail(`null.${k}`, 'must be in [0, 1]', file);
  return o as unknown as FingerprintNull;
}

/** Parses and validates a fingerprint file's text. */
export function parseFingerprint(text: string, file?: string): Fingerprint {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    fail('the file', 'is not JSON', file);
  }
  if (!j || typeof j !== 'object' || j.kind !== FINGERPRINT_KIND) fail('kind', `is not '${FINGERPRINT_KIND}'`, file);
  if (j.version !== FINGERPRINT_VERSION)
    fail('version', `${JSON.stringify(j.version)} is not supported (this edgelock reads ${FINGERPRINT_VERSION})`, file);
  if (j.method !== FINGERPRINT_METHOD) fail('method', `must be '${FINGERPRINT_METHOD}'`, file);
  if (typeof j.modelSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(j.modelSha256))
    fail('modelSha256', 'must be 64 hex digits', file);
  if (!isInt(j.classes) || j.classes < 2 || j.classes > 65536) fail('classes', 'must be an integer ≥ 2', file);
  const shape = j.sampleShape;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    shape.length > 4 ||
    !shape.every((d) => isInt(d) && d > 0 && d <= 4096)
  )
    fail('sampleShape', 'must be 1 to 4 positive integers', file);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!isInt(j.count) || j.count < 1 || j.count > 100000) fail('count', 'must be an integer in [1, 100000]', file);
  const count = j.count;
  const classes = j.classes;
  if (!Array.isArray(j.labels) || j.labels.length !== count) fail('labels', `must hold ${count} labels`, file);
  if (!(j.labels as unknown[]).every((l) => isInt(l) && l >= 0 && l < classes))
    fail('labels', `must be integers in [0, ${classes})`, file);
  if (typeof j.inputs !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(j.inputs)) fail('inputs', 'must be base64', file);
  const bytes = Buffer.from(j.inputs, 'base64');
  if (bytes.length !== count * size * 4)
    fail('inputs', `hold ${bytes.length} bytes; ${count} samples of ${size} float32 need ${count * size * 4}`, file);
  if (j.inputsSha256 !== sha256(bytes)) fail('inputsSha256', 'does not match the inputs (the file was altered)', file);
  const inputs = new Float32Array(count * size);
  for (let i = 0; i < inputs.length; i++) {
    inputs[i] = bytes.readFloatLE(i * 4);
    if (!Number.isFinite(inputs[i])) fail('inputs', `value ${i} is not finite`, file);
  }
  if (!isRate(j.alpha)) fail('alpha', 'must be in (0, 1)', file);
  if (!j.crafting || typeof j.crafting !== 'object') fail('crafting', 'is missing', file);
  return {
    kind: FINGERPRINT_KIND,
    version: FINGERPRINT_VERSION,
    method: FINGERPRINT_METHOD,
    modelSha256: j.modelSha256,
    classes,
    sampleShape: shape as number[],
    count,
    inputs,
    labels: j.labels as number[],
    null: checkNull(j.null, file),
    alpha: j.alpha,
    crafting: j.crafting as Fingerprint['crafting'],
  };
}

export function readFingerprint(file: string): Fingerprint {
  const text = readInputFile(file, {
    missingCode: 'E_FINGERPRINT_FORMAT',
    maxBytes: 256 << 20,
    what: 'fingerprint',
  }).toString('utf8');
  return parseFingerprint(text, file);
}

export function writeFingerprint(file: string, f: Fingerprint): void {
  writeFileAtomic(file, serialiseFingerprint(f));
}

export function modelDigest(bytes: Uint8Array): string {
  return sha256(bytes);
}
