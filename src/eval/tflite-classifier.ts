/**
 * Predicted classes of a .tflite classifier in the official TFLite runtime (the oracle). Float
 * samples are quantised with the input tensor's scale/zero point for int8 inputs and moved from
 * NCHW to NHWC when the model takes channels-last images.
 */
import { EdgelockError } from '../errors';
import { TfliteOracle } from '../tflite/oracle';
import { quantizeAffine, toModelLayout } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { argmax, LabelledSet } from './labelled-data';

export async function predictTflite(bytes: Uint8Array, data: LabelledSet): Promise<Int32Array> {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  if (sg.inputs.length !== 1)
    throw new EdgelockError('E_DATA_SHAPE', `evaluation needs a model with one input (it has ${sg.inputs.length})`);
  const inT = sg.tensors[sg.inputs[0]];
  const layout = recordedInputLayouts(info.metadata)?.[0];
  const size = data.sampleShape.reduce((a, b) => a * b, 1);
  if (inT.shape.reduce((a, b) => a * b, 1) !== size) {
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `samples of shape [${data.sampleShape}] do not fit model input '${inT.name}' [${inT.shape}]`,
    );
  }
  const q = inT.quantization;
  const integer = inT.dtype === 'int8' || inT.dtype === 'uint8';
  if (integer && (!q || q.scale.length !== 1))
    throw new EdgelockError('E_DATA_SHAPE', `input '${inT.name}' is ${inT.dtype} without a per-tensor scale`);
  const [lo, hi] = inT.dtype === 'int8' ? [-128, 127] : [0, 255];
  const oracle = await TfliteOracle.load(bytes);
  const out = new Int32Array(data.count);
  try {
    for (let i = 0; i < data.count; i++) {
      const x = toModelLayout(data.x.subarray(i * size, (i + 1) * size), data.sampleShape, inT.shape, layout);
      const feed = integer ? quantizeAffine(x, q!.scale[0], q!.zeroPoint[0], lo, hi) : Float32Array.from(x);
      const [y] = oracle.run([{ data: feed, shape: inT.shape }]);
      out[i] = argmax(y.data);
    }
  } finally {
    oracle.dispose();
  }
  return out;
}
