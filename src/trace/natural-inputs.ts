/**
 * Natural inputs for a black-box trace, in a compiled model's input layout: the first samples of a data set (labels
 * are not needed), converted from the data set's layout as the model's recorded input layout says (src/tflite/affine.ts).
 */
import { loadDataset } from '../data/dataset';
import { EdgelockError } from '../errors';
import { samplesToModelLayout } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { TfliteModelInfo, readTflite } from '../tflite/reader';

/** The first `limit` samples of `source` (a named data set or a .npy) in `model`'s input layout. */
export function naturalInputs(
  model: Uint8Array,
  source: string,
  limit = Infinity,
): { probes: Float32Array; count: number } {
  const info = readTflite(model);
  const sg = info.subgraphs[0];
  const inShape = sg.tensors[sg.inputs[0]].shape;
  const size = inShape.slice(1).reduce((a, b) => a * b, 1);
  const set = loadDataset(source);
  const count = Math.min(limit, set.count);
  if (set.sampleShape.reduce((a, b) => a * b, 1) !== size)
    throw new EdgelockError(
      'E_USAGE',
      `the probes' samples [${set.sampleShape}] do not fit the model input [${inShape}]`,
    );
  return { probes: toModelInputs(info, set.data, count, set.sampleShape), count };
}

/**
 * `count` samples laid out as `sampleShape` (a data set's layout, e.g. NCHW) in a compiled model's input layout, as
 * its recorded input layout says (a channels-last compile moves an image's channels last).
 */
export function toModelInputs(
  info: TfliteModelInfo,
  x: Float32Array,
  count: number,
  sampleShape: readonly number[],
): Float32Array {
  const sg = info.subgraphs[0];
  const layout = recordedInputLayouts(info.metadata)?.[0];
  return samplesToModelLayout(x, count, sampleShape, sg.tensors[sg.inputs[0]].shape, layout);
}
