/**
 * A model file a watermark is checked on, and which watermark record applies to it: the record the file
 * carries (ONNX metadata, or the .tflite entry the compiler carries over), else the one given by `--params`
 * (the watermarked ONNX model or a JSON copy of its record), and whether a compiled .tflite names that
 * ONNX file as its source (src/tflite/provenance.ts).
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { detectFormat } from '../formats/detect';
import { FORMAT_TITLES, readFileBytes } from '../formats/load';
import { readOnnx } from '../onnx/reader';
import { recordedSourceSha256 } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { WatermarkRecord, parseRecord, recordFromOnnx, recordFromTflite } from './metadata';

export type WatermarkedFormat = 'onnx' | 'tflite';

export interface WatermarkedModel {
  file: string;
  bytes: Uint8Array;
  format: WatermarkedFormat;
}

/** The bytes of a model a watermark can be checked on, with its format detected from the bytes. */
export function readWatermarkedModel(file: string): WatermarkedModel {
  const bytes = readFileBytes(file);
  const format = detectFormat(bytes);
  if (format !== 'onnx' && format !== 'tflite') {
    throw new EdgelockError(
      format === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
      `'${file}' is ${FORMAT_TITLES[format]}; watermarks are checked on ONNX or TFLite models`,
      { file },
    );
  }
  return { file, bytes, format };
}

/** The record the model file itself carries, or null. */
export function recordOf(m: WatermarkedModel): WatermarkRecord | null {
  return m.format === 'onnx'
    ? recordFromOnnx(readOnnx(m.bytes, m.file), `'${m.file}'`)
    : recordFromTflite(m.bytes, `'${m.file}'`);
}

/** --params: the watermarked ONNX model (with its SHA-256, to match a compiled model's provenance) or a record JSON. */
export function recordFromParams(file: string): { record: WatermarkRecord; onnxSha256?: string } {
  const bytes = readFileBytes(file);
  if (detectFormat(bytes) === 'onnx') {
    const r = recordFromOnnx(readOnnx(bytes, file), `'${file}'`);
    if (!r) throw new EdgelockError('E_WATERMARK_PARAMS', `'${file}' carries no watermark record`, { file });
    return { record: r, onnxSha256: createHash('sha256').update(bytes).digest('hex') };
  }
  return { record: parseRecord(Buffer.from(bytes).toString('utf8'), `'${file}'`) };
}

/** Whether a compiled .tflite names the --params ONNX file as its source (edgelock provenance metadata). */
export function compiledFrom(tflite: Uint8Array, onnxSha256: string | undefined): 'match' | 'mismatch' | 'unknown' {
  const source = recordedSourceSha256(readTflite(tflite).metadata);
  if (!source || !onnxSha256) return 'unknown';
  return source === onnxSha256 ? 'match' : 'mismatch';
}

export interface ApplicableRecord {
  /** The record carried by the file (null when it carries none). */
  record: WatermarkRecord | null;
  /** The watermark parameters the check uses: the file's record, else the --params one. */
  params: WatermarkRecord;
  /** For a .tflite checked with --params: whether it was compiled from that ONNX file. */
  compiledFromParams?: 'match' | 'mismatch' | 'unknown';
}

/** The record to check `m` against; E_WATERMARK_PARAMS when neither the file nor `paramsFile` gives one. */
export function applicableRecord(m: WatermarkedModel, paramsFile?: string): ApplicableRecord {
  const record = recordOf(m);
  if (record) return { record, params: record };
  if (!paramsFile) {
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `'${m.file}' carries no watermark record`,
      { file: m.file },
      'pass --params <the watermarked .onnx> for a model compiled without the record',
    );
  }
  const fromParams = recordFromParams(paramsFile);
  return {
    record: null,
    params: fromParams.record,
    ...(m.format === 'tflite' ? { compiledFromParams: compiledFrom(m.bytes, fromParams.onnxSha256) } : {}),
  };
}
