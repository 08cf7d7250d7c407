/**
 * The watermark record a model carries: ONNX metadata_props key "edgelock.watermark" (and the
 * TFLite metadata entry of the same name when the compiler carries it over), a JSON object with
 * the scheme, the model id, the commitment SHA-256(signature ‖ model id) and the public trigger
 * parameters. No trigger data, positions, labels or signature are stored.
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { readTflite } from '../tflite/reader';
import { SCHEME, TriggerParams, checkParams } from './params';

export const WATERMARK_METADATA_KEY = 'edgelock.watermark';

export interface WatermarkRecord extends TriggerParams {
  scheme: typeof SCHEME;
  modelId: string;
  /** hex SHA-256(signature ‖ UTF-8(modelId)) */
  commitment: string;
  /** hex SHA-256(signature ‖ "base-digest" ‖ float32-LE bytes of the N base samples, in trigger order) */
  baseDigest: string;
}

export function baseDigest(signature: Uint8Array, bases: Float32Array): string {
  const le = new Uint8Array(bases.length * 4);
  const view = new DataView(le.buffer);
  for (let i = 0; i < bases.length; i++) view.setFloat32(i * 4, bases[i], true);
  return createHash('sha256').update(signature).update(Buffer.from('base-digest', 'ascii')).update(le).digest('hex');
}

export function parseRecord(text: string, where: string): WatermarkRecord {
  let r: Partial<WatermarkRecord>;
  try {
    r = JSON.parse(text) as Partial<WatermarkRecord>;
  } catch {
    throw new EdgelockError('E_WATERMARK_PARAMS', `the ${WATERMARK_METADATA_KEY} metadata of ${where} is not JSON`);
  }
  if (r.scheme !== SCHEME)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `${where} carries watermark scheme '${String(r.scheme)}', this edgelock reads ${SCHEME}`,
    );
  if (
    typeof r.modelId !== 'string' ||
    typeof r.commitment !== 'string' ||
    typeof r.baseDigest !== 'string' ||
    !Array.isArray(r.range)
  ) {
    throw new EdgelockError('E_WATERMARK_PARAMS', `the ${WATERMARK_METADATA_KEY} metadata of ${where} is incomplete`);
  }
  checkParams(r as WatermarkRecord);
  return r as WatermarkRecord;
}

export function recordFromOnnx(model: Model, where = 'the model'): WatermarkRecord | null {
  const text = model.metadata[WATERMARK_METADATA_KEY];
  return text === undefined ? null : parseRecord(text, where);
}

export function recordFromTflite(bytes: Uint8Array, where = 'the model'): WatermarkRecord | null {
  const md = readTflite(bytes).metadata.find((m) => m.name === WATERMARK_METADATA_KEY);
  if (!md) return null;
  if (md.text === undefined)
    throw new EdgelockError('E_WATERMARK_PARAMS', `the ${WATERMARK_METADATA_KEY} metadata of ${where} is not text`);
  return parseRecord(md.text, where);
}

export function withRecord(model: Model, record: WatermarkRecord): Model {
  return { ...model, metadata: { ...model.metadata, [WATERMARK_METADATA_KEY]: JSON.stringify(record) } };
}
