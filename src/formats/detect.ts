import { isTflite } from '../tflite/file-identifier';

export type FormatName = 'onnx' | 'tflite' | 'elp' | 'unknown';

/** The magic that opens an edgelock package (.elp). */
export const ELP_MAGIC = 'ELPK';

/**
 * Identifies a model file from its bytes, never its name: TFLite by its file identifier at
 * offset 4, packages by their magic, ONNX by the protobuf tag of ModelProto.ir_version (field 1,
 * varint) that every exporter writes first.
 */
export function detectFormat(bytes: Uint8Array): FormatName {
  if (isTflite(bytes)) return 'tflite';
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === ELP_MAGIC) return 'elp';
  if (bytes.length >= 2 && bytes[0] === 0x08 && bytes[1] > 0 && bytes[1] < 0x80) return 'onnx';
  return 'unknown';
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
