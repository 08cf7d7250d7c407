/**
 * What black-box tracing queries: a model file run as a black box in the TFLite runtime, or a board over the serial
 * protocol. Both take probes in the model's layout (NHWC floats) and give back the output scores as floats
 * (int8 outputs dequantised with the output's scale), or only the arg-max when `hardLabels` is set — what a
 * deployment that shows only its decision exposes.
 */
import { DeviceClient } from '../device/client';
import { quantizeAffine } from '../tflite/affine';
import { TfliteOracle } from '../tflite/oracle';
import { readTflite } from '../tflite/reader';

/** Scores of `count` probes (count × classes floats). */
export type ScoreQuery = (x: Float32Array, count: number) => Promise<Float32Array>;

/** The index of the first largest of the `n` scores at `at` (a tie goes to the lower class). */
export function argmax(v: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[at + k] > v[at + best]) best = k;
  return best;
}

/** One-hot decisions; a probe whose scores are not all finite has no decision and stays NaN (see `finiteRows`). */
export function hardLabels(scores: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let s = 0; s < scores.length / classes; s++) {
    if (!rowFinite(scores, s, classes)) out.fill(NaN, s * classes, (s + 1) * classes);
    else out[s * classes + argmax(scores, s * classes, classes)] = 1;
  }
  return out;
}

function rowFinite(scores: Float32Array, row: number, classes: number): boolean {
  for (let k = row * classes; k < (row + 1) * classes; k++) if (!Number.isFinite(scores[k])) return false;
  return true;
}

export interface FiniteRows {
  probes: Float32Array;
  count: number;
  answers: Float32Array;
  /** probes left out: their answers held NaN or an infinity */
  ignored: number;
}

/**
 * The probes a victim answered with finite scores only, with those answers. A hostile or broken model (a float output
 * can be NaN or infinite) must not poison the evidence: one NaN in the residual would zero the whole estimate. Which
 * probes are left out depends on the answers alone, never on a candidate's code, so the trace's bound is unchanged.
 * When every answer is finite the probes are returned as they are (the same array).
 */
export function finiteRows(probes: Float32Array, count: number, answers: Float32Array): FiniteRows {
  const classes = answers.length / count;
  const size = probes.length / count;
  const keep: number[] = [];
  for (let s = 0; s < count; s++) if (rowFinite(answers, s, classes)) keep.push(s);
  if (keep.length === count) return { probes, count, answers, ignored: 0 };
  const p = new Float32Array(keep.length * size);
  const a = new Float32Array(keep.length * classes);
  keep.forEach((s, i) => {
    p.set(probes.subarray(s * size, (s + 1) * size), i * size);
    a.set(answers.subarray(s * classes, (s + 1) * classes), i * classes);
  });
  return { probes: p, count: keep.length, answers: a, ignored: count - keep.length };
}

export function withHardLabels(q: ScoreQuery, classes: number): ScoreQuery {
  return async (x, count) => hardLabels(await q(x, count), classes);
}

/** A .tflite model (plain) run in the official TFLite runtime; `dispose` frees it. */
export async function fileVictim(model: Uint8Array): Promise<{ query: ScoreQuery; dispose: () => void }> {
  const oracle = await TfliteOracle.load(model);
  const sg = readTflite(model).subgraphs[0];
  const inT = sg.tensors[sg.inputs[0]];
  const outT = sg.tensors[sg.outputs[0]];
  const size = inT.shape.slice(1).reduce((a, b) => a * b, 1);
  const classes = outT.shape[outT.shape.length - 1];
  const query: ScoreQuery = async (x, count) => {
    const out = new Float32Array(count * classes);
    for (let s = 0; s < count; s++) {
      const sample = x.subarray(s * size, (s + 1) * size);
      const int = inT.dtype === 'int8';
      const data = int
        ? Int32Array.from(quantizeAffine(sample, inT.quantization!.scale[0], inT.quantization!.zeroPoint[0]))
        : Float32Array.from(sample);
      const [r] = oracle.run([{ data, shape: inT.shape }]);
      for (let k = 0; k < classes; k++)
        out[s * classes + k] =
          outT.dtype === 'int8'
            ? (r.data[k] - outT.quantization!.zeroPoint[0]) * outT.quantization!.scale[0]
            : Number(r.data[k]);
    }
    return out;
  };
  return { query, dispose: () => oracle.dispose() };
}

/** The active model of a board (int8 in, int8 out), through RUN. */
export async function boardVictim(client: DeviceClient, slot: number): Promise<ScoreQuery> {
  const io = await client.modelIo(slot);
  const input = io.inputs[0];
  const output = io.outputs[0];
  const size = input.shape.slice(1).reduce((a, b) => a * b, 1);
  const classes = output.shape[output.shape.length - 1];
  return async (x, count) => {
    const out = new Float32Array(count * classes);
    for (let s = 0; s < count; s++) {
      const q = Int8Array.from(quantizeAffine(x.subarray(s * size, (s + 1) * size), input.scale, input.zeroPoint));
      const r = await client.run(slot, q);
      const o = r.outputs[0].int8;
      for (let k = 0; k < classes; k++) out[s * classes + k] = (o[k] - output.zeroPoint) * output.scale;
    }
    return out;
  };
}

/** A model file's scores on `count` probes, run once in the TFLite runtime and freed. */
export async function modelScores(model: Uint8Array, probes: Float32Array, count: number): Promise<Float32Array> {
  const v = await fileVictim(model);
  try {
    return await v.query(probes, count);
  } finally {
    v.dispose();
  }
}
