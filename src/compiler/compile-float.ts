/** The float32 compile driver: ONNX bytes → prepared model → lowered TflGraph with provenance. */
import { createHash } from 'crypto';
import { InputShapes } from '../ir/pin-inputs';
import { Model } from '../ir/types';
import { readOnnx } from '../onnx/reader';
import { defaultOpset } from '../ir/opsets';
import { VERSION } from '../version';
import { InputLayout, lowerModel } from './lower/lower-model';
import { prepareModel } from './prepare';
import { TflGraph } from './tfl-graph';
import { EdgelockMetadata, encodeProvenance, PROVENANCE_METADATA_KEY } from '../tflite/provenance';
import { WATERMARK_METADATA_KEY } from '../watermark/metadata';

export interface CompileFloatOptions {
  inputLayout?: InputLayout;
  /** `--input-shape`: inputs pinned to static shapes before shape inference. */
  inputShapes?: InputShapes;
  /** See CompileOptions.squaredDifference. */
  squaredDifference?: boolean;
  /** For error messages. */
  file?: string;
}

export interface CompiledFloat {
  graph: TflGraph;
  /** The optimised, shape-inferred model that was lowered (calibrate on this one). */
  model: Model;
  sourceSha256: string;
  notes: string[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function compileFloat(onnxBytes: Uint8Array, opts: CompileFloatOptions = {}): CompiledFloat {
  const source = readOnnx(onnxBytes, opts.file);
  const prepared = prepareModel(source, { inputShapes: opts.inputShapes });
  if (source.upgradedFrom !== undefined)
    prepared.notes.unshift(`opset ${source.upgradedFrom} upgraded to ${defaultOpset(source.opsetImports)} on import`);
  const graph = lowerModel(prepared.model, {
    inputLayout: opts.inputLayout ?? 'auto',
    squaredDifference: opts.squaredDifference,
  });
  const sourceSha256 = sha256Hex(onnxBytes);
  graph.notes = [...(graph.notes ?? []), ...prepared.notes];
  stampProvenance(graph, sourceSha256, 'float32');
  carryOnnxMetadata(graph, prepared.model.metadata);
  return { graph, model: prepared.model, sourceSha256, notes: graph.notes };
}

/**
 * ONNX metadata entries that travel into the .tflite unchanged (public records only: the
 * watermark commitment). The lock descriptor is rewritten by the lock path, never copied.
 */
export const CARRIED_METADATA_KEYS: readonly string[] = [WATERMARK_METADATA_KEY];

function carryOnnxMetadata(graph: TflGraph, metadata: Record<string, string>): void {
  for (const key of CARRIED_METADATA_KEYS) {
    if (metadata[key] !== undefined)
      graph.metadata = { ...graph.metadata, [key]: new TextEncoder().encode(metadata[key]) };
  }
}

/** Writes the description and the "edgelock" metadata entry (version, source hash, input layouts, shapes and reasons). */
export function stampProvenance(graph: TflGraph, sourceSha256: string, precision: EdgelockMetadata['precision']): void {
  const inputs = graph.inputs.map((id, k) => ({
    name: graph.tensors[id].name,
    shape: [...graph.tensors[id].shape],
    layout: graph.inputLayouts[k],
    reason: graph.inputLayoutReasons?.[k] ?? '',
  }));
  const meta: EdgelockMetadata = {
    version: VERSION,
    sourceSha256,
    inputLayouts: [...graph.inputLayouts],
    inputs,
    precision,
  };
  graph.description = `edgelock ${VERSION} ${precision}; source ONNX sha256 ${sourceSha256}`;
  graph.metadata = { ...graph.metadata, [PROVENANCE_METADATA_KEY]: encodeProvenance(meta) };
}
