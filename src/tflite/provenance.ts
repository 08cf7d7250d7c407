/**
 * The "edgelock" metadata entry the compiler writes into every .tflite it produces (version, source ONNX
 * SHA-256, input layouts with their shapes and reasons, precision), and the one reader of it: inspect,
 * eval, watermark verification, the runners and the demo ask here instead of parsing the entry themselves.
 */

export const PROVENANCE_METADATA_KEY = 'edgelock';

/** What the "edgelock" metadata entry holds (JSON). */
export interface EdgelockMetadata {
  version: string;
  sourceSha256: string;
  inputLayouts: string[];
  /** Per input: the shape the .tflite expects, its layout and why (src/compiler/input-layout.ts). */
  inputs?: { name: string; shape: number[]; layout: string; reason: string }[];
  precision: 'float32' | 'int8';
}

type MetadataEntries = readonly { name: string; text?: string }[];

/** The entry as text for a TFLite metadata buffer. */
export function encodeProvenance(meta: EdgelockMetadata): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta));
}

/** The entry of a model's metadata, or null when it has none or it is not a JSON object (a file edgelock did not write). */
export function readProvenance(metadata: MetadataEntries): EdgelockMetadata | null {
  const text = metadata.find((m) => m.name === PROVENANCE_METADATA_KEY)?.text;
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as EdgelockMetadata) : null;
  } catch {
    return null;
  }
}

/**
 * The input layouts edgelock recorded when it compiled a .tflite (src/compiler/input-layout.ts), or undefined
 * for a model edgelock did not compile.
 */
export function recordedInputLayouts(metadata: MetadataEntries): string[] | undefined {
  const layouts: unknown = readProvenance(metadata)?.inputLayouts;
  return Array.isArray(layouts) && layouts.every((l) => typeof l === 'string') ? layouts : undefined;
}

/** The SHA-256 of the ONNX file the .tflite was compiled from, as recorded, or undefined. */
export function recordedSourceSha256(metadata: MetadataEntries): string | undefined {
  const sha: unknown = readProvenance(metadata)?.sourceSha256;
  return typeof sha === 'string' ? sha : undefined;
}
