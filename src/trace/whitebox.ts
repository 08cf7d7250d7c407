/**
 * White-box evidence from a leaked model file (a flash dump, an extracted .tflite, a re-quantised or fine-tuned
 * copy): for every carrier, how many base quantisation steps the leaked weight sits from the base weight. Weights
 * are matched to the base by filter order and shape; int8 weights are read through their own scales (a copy
 * re-quantised with other scales still lines up) and float32 weights as they are. A copy whose hidden units were
 * re-ordered or re-scaled (src/trace/unit-graph.ts) is also read with its units put back (src/trace/align.ts), and
 * the reading that sits closer to the base is the evidence; a copy with units added to hidden layers is read with
 * each base unit matched to one of its units, and a copy with layers added (src/trace/added-layers.ts) through them.
 */
import { EdgelockError } from '../errors';
import { TfliteModelInfo, readTflite } from '../tflite/reader';
import { alignUnits } from './align';
import { withoutAddedLayers } from './added-layers';
import { unitGraph } from './unit-graph';
import { CarrierSet, scaleOf, weightTensors } from './weight-tensors';

/** Evidence values are clipped to ±CLIP_STEPS steps, so a few weights moved far by fine-tuning cannot dominate. */
export const CLIP_STEPS = 3;

/** The leaked model's filter weights as floats (weightTensors order), and whether they line up with the base's. */
function leakedFloats(
  leaked: Uint8Array,
  set: CarrierSet,
): { floats: Float64Array[]; info: TfliteModelInfo; lines: boolean } {
  const info = readTflite(leaked);
  const lt = weightTensors(info);
  const sg = info.subgraphs[0];
  const bt = set.tensors;
  const lines = lt.length === bt.length && lt.every((t, k) => t.count === bt[k].count);
  const floats = lt.map((t) => {
    const dtype = sg.tensors[t.tensor].dtype;
    const out = new Float64Array(t.count);
    if (dtype === 'int8') {
      const v = new Int8Array(leaked.buffer, leaked.byteOffset + t.at, t.count);
      if (t.scales.length === 0) throw new EdgelockError('E_TRACE_MODEL', `leaked tensor ${t.tensor} has no scale`);
      for (let i = 0; i < t.count; i++) out[i] = v[i] * scaleOf(t, i);
    } else if (dtype === 'float32') {
      const v = new DataView(leaked.buffer, leaked.byteOffset + t.at, t.count * 4);
      for (let i = 0; i < t.count; i++) out[i] = v.getFloat32(i * 4, true);
    } else {
      throw new EdgelockError('E_TRACE_MODEL', `leaked filter tensor ${t.tensor} is ${dtype}, not int8 or float32`);
    }
    return out;
  });
  return { floats, info, lines };
}

const notLinedUp = (lt: readonly Float64Array[], set: CarrierSet) =>
  new EdgelockError(
    'E_TRACE_MODEL',
    `the leaked model's filters (${lt.map((t) => t.length).join(', ')} weights) do not line up with the base ` +
      `model's (${set.tensors.map((t) => t.count).join(', ')}); white-box tracing needs the same architecture, or ` +
      `the same one with units or layers added (use --probes for black-box tracing)`,
  );

/** Each carrier's distance from the base, in base steps (divided by its amplitude), clipped. */
function evidenceOf(weights: readonly Float64Array[], base: Uint8Array, set: CarrierSet): Float64Array {
  const baseViews = set.tensors.map((t) => new Int8Array(base.buffer, base.byteOffset + t.at, t.count));
  const e = new Float64Array(set.carriers.length);
  set.carriers.forEach((c, j) => {
    const t = set.tensors[c.w];
    const d = (weights[c.w][c.i] / scaleOf(t, c.i) - baseViews[c.w][c.i]) / (set.amplitude ? set.amplitude[j] : 1);
    e[j] = Math.max(-CLIP_STEPS, Math.min(CLIP_STEPS, d));
  });
  return e;
}

export const meanAbs = (e: Float64Array) => e.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, e.length);

/**
 * The units-aligned reading replaces the reading in place only when it sits closer to the base by more than this
 * fraction of its mean distance: on a copy whose units did not move, the two differ by the least-squares scales'
 * small error alone, and the in-place reading is kept.
 */
export const ALIGNED_GAIN = 0.1;

export interface WhiteBoxReading {
  evidence: Float64Array;
  /** whether the copy's hidden units were put back in the base's order and scale first */
  aligned: boolean;
  /** layers the thief added to the copy, looked through (src/trace/added-layers.ts) */
  layersAdded?: number;
}

/** The evidence of `leaked`; `align` false reads the weights in place only (what tracing did before the alignment). */
export function whiteBoxReading(leaked: Uint8Array, base: Uint8Array, set: CarrierSet, align = true): WhiteBoxReading {
  const { floats, info, lines } = leakedFloats(leaked, set);
  const graph = align ? unitGraph(readTflite(base)) : null;
  const baseWeights = () =>
    set.tensors.map((t) => {
      const v = new Int8Array(base.buffer, base.byteOffset + t.at, t.count);
      return Float64Array.from(v, (x, i) => x * scaleOf(t, i));
    });
  if (!lines) {
    // units added to hidden layers, or layers added: only the aligned reading exists
    const found = graph ? unitGraph(info) : null;
    const readings = graph && found ? withoutAddedLayers(graph, found) : [];
    if (!graph || !found || readings.length === 0) throw notLinedUp(floats, set);
    const added = found.links.length - readings[0].links.length;
    // where several sets of filters could be the added ones, the reading closest to the base is the right one
    const baseFloats = baseWeights();
    const evidence = readings
      .map((g) => evidenceOf(alignUnits(floats, baseFloats, graph, g).weights, base, set))
      .reduce((best, e) => (meanAbs(e) < meanAbs(best) ? e : best));
    return { evidence, aligned: true, ...(added > 0 ? { layersAdded: added } : {}) };
  }
  const inPlace = evidenceOf(floats, base, set);
  if (!graph) return { evidence: inPlace, aligned: false };
  const aligned = evidenceOf(alignUnits(floats, baseWeights(), graph).weights, base, set);
  return meanAbs(aligned) < (1 - ALIGNED_GAIN) * meanAbs(inPlace)
    ? { evidence: aligned, aligned: true }
    : { evidence: inPlace, aligned: false };
}

export function whiteBoxEvidence(leaked: Uint8Array, base: Uint8Array, set: CarrierSet): Float64Array {
  return whiteBoxReading(leaked, base, set).evidence;
}
