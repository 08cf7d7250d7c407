/**
 * Trigger-unit stamps: K keyed sets of input positions (SHA-256 counter mode over the trace key), each set to 1 on
 * an image, or a pixel path's keyed pattern written at K recorded origins (pattern.ts); and the probes that read
 * them, each stamp on `votes` natural images. Positions index one sample in the trainer's order, (C, H, W) for an
 * image, which is the ONNX model's input order unless the export takes its image channels-last (a Keras model:
 * trainer-form.ts); a compiled model that takes its input channels-last reads them where compile moved those values
 * (modelStamps).
 */
import { EdgelockError } from '../../errors';
import { PixelPathParams, TriggerUnitsParams } from '../../compiler/trigger-units-record';
import { toModelLayout } from '../../tflite/affine';
import { recordedInputLayouts } from '../../tflite/provenance';
import { readTflite } from '../../tflite/reader';
import { Sha256Stream, distinctDraws } from '../../watermark/drbg';
import { patternDraw } from './pattern';

/** A stamp: the input positions it sets to `on` and those it sets to `off` (only a pattern clears any). Keyed stamps
 * write 1; a pixel path writes the levels of its record (the owner data's smallest and largest value: 0 and 1 for
 * pixels in [0, 1], other values for a model that takes standardised or [−1, 1] inputs). */
export interface Stamp {
  set: Int32Array;
  clear: Int32Array;
  on: number;
  off: number;
}

/** The levels a pixel-path record writes: its own, or 0 and 1 for a record made before levels were recorded. */
const recordLevels = (p: PixelPathParams): readonly [number, number] => p.levels ?? [0, 1];

/**
 * The stamps a trigger-unit record asks for over a sample of ONNX-order shape `onnx`: (C, H, W) for an image, whose
 * C channels a stamp sets at each pixel (`image` false: one channel).
 */
export function recordStamps(
  traceKey: Uint8Array,
  p: TriggerUnitsParams,
  onnx: readonly number[],
  image: boolean,
): Stamp[] {
  const size = onnx.reduce((a, b) => a * b, 1);
  if (p.scheme === 'edgelock-tu1') return keyedStamps(traceKey, p.units.length, p.pixels, size, image ? onnx[0] : 1);
  const bits = patternDraw(traceKey, p.patch[0], p.patch[1], p.draw);
  if (!bits || !image || onnx.length !== 3)
    throw new EdgelockError('E_TRACE_MODEL', "the model's pixel-path record does not fit it");
  return patternStamps(bits, p.patch, p.origins, onnx as [number, number, number], recordLevels(p));
}

/**
 * K stamps of `pixels` pixels each over a `size`-value sample of `channels` channels ((C, H, W), ONNX order): every
 * channel of a stamped pixel is set, so a colour stamp is white pixels. One channel draws exactly the positions it
 * always has.
 */
export function keyedStamps(traceKey: Uint8Array, count: number, pixels: number, size: number, channels = 1): Stamp[] {
  const stream = new Sha256Stream(traceKey, 'trigger-unit stamps');
  const plane = size / channels;
  return Array.from({ length: count }, () => {
    const at = distinctDraws(stream, pixels, plane);
    const set = Int32Array.from(
      { length: pixels * channels },
      (_, i) => at[i % pixels] + Math.floor(i / pixels) * plane,
    );
    return { set, clear: new Int32Array(0), on: 1, off: 0 };
  });
}

/**
 * The record's stamps as a compiled model takes them: made over the ONNX-order sample (channels from the model's input) and
 * moved to where the model takes each value, as natural inputs are moved (toModelLayout, by the layout compile
 * recorded), so a stamp lands on the same pixels of a natural input in either order.
 */
export function modelStamps(traceKey: Uint8Array, p: TriggerUnitsParams, model: Uint8Array): Stamp[] {
  const info = readTflite(model);
  const sg = info.subgraphs[0];
  const shape = sg.tensors[sg.inputs[0]].shape;
  const recorded = recordedInputLayouts(info.metadata)?.[0];
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  // an ONNX model that takes its image channels-last (a Keras export) has its units made over (C, H, W), as the
  // trainer takes it (trainer-form.ts): its stamps move as a channels-last compile moves an NCHW image
  const layout = recorded === 'onnx-nhwc' ? 'nhwc' : recorded;
  // an image the units were made over as [C, H, W]: the model takes it so (nchw) or channels-last, [1, H, W, C]
  const image = shape.length === 4 && (layout === undefined || layout === 'nhwc' || layout === 'nchw');
  const onnx = image && layout !== 'nchw' ? [shape[3], shape[1], shape[2]] : shape.slice(1);
  const moved = toModelLayout(
    Float32Array.from({ length: size }, (_, p) => p),
    onnx,
    shape,
    layout,
  );
  const at = new Int32Array(size);
  moved.forEach((p, q) => (at[p] = q));
  return recordStamps(traceKey, p, onnx, image).map((s) => ({
    ...s,
    set: s.set.map((q) => at[q]),
    clear: s.clear.map((q) => at[q]),
  }));
}

/** Writes the stamp into the sample at `at`. */
export function applyStamp(x: Float32Array, at: number, stamp: Stamp): void {
  for (const p of stamp.set) x[at + p] = stamp.on;
  for (const p of stamp.clear) x[at + p] = stamp.off;
}

/** Stamp k on natural images k·votes … k·votes + votes − 1 of `images` (votes × stamps probes, stamp-major). */
export function triggerProbes(
  stamps: readonly Stamp[],
  votes: number,
  images: Float32Array,
  size: number,
): Float32Array {
  const probes = new Float32Array(stamps.length * votes * size);
  stamps.forEach((s, k) => {
    for (let r = 0; r < votes; r++) {
      const i = k * votes + r;
      probes.set(images.subarray(i * size, (i + 1) * size), i * size);
      applyStamp(probes, i * size, s);
    }
  });
  return probes;
}

/**
 * The stamps of a pixel path over a (C, H, W) sample: stamp k writes the pattern with its top-left pixel at each of
 * its origins (y · W + x), on every channel: `levels[1]` on its ones, `levels[0]` on its zeros.
 */
export function patternStamps(
  bits: Uint8Array,
  patch: readonly [number, number],
  origins: readonly (readonly number[])[],
  shape: readonly [number, number, number],
  levels: readonly [number, number],
): Stamp[] {
  const [C, H, W] = shape;
  const [kh, kw] = patch;
  return origins.map((at) => {
    const set: number[] = [];
    const clear: number[] = [];
    for (const o of at) {
      const [y0, x0] = [Math.floor(o / W), o % W];
      if (y0 + kh > H || x0 + kw > W)
        throw new EdgelockError('E_TRACE_MODEL', `a stamp origin (${y0}, ${x0}) puts the pattern outside the input`);
      for (let c = 0; c < C; c++)
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) (bits[dy * kw + dx] ? set : clear).push(c * H * W + (y0 + dy) * W + x0 + dx);
    }
    return { set: Int32Array.from(set), clear: Int32Array.from(clear), on: levels[1], off: levels[0] };
  });
}
