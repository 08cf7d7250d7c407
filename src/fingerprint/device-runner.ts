/**
 * A board as a black-box classifier: each sample is quantised with the active model's input scale and
 * zero point, put in the model's layout, run with the RUN command, and answered by the arg-max of
 * the first output. Used to verify a fingerprint on a board (src/fingerprint/verify.ts).
 */
import { DeviceClient } from '../device/client';
import { EdgelockError } from '../errors';
import { quantizeAffine, toModelLayout } from '../tflite/affine';
import { ClassifierRunner, argmaxRows } from '../watermark/runners';

/** The model in `slot` of a connected board; `sampleShape` is the ONNX-layout shape of one input sample. */
export async function boardClassifier(
  client: DeviceClient,
  slot: number,
  sampleShape: number[],
  onProgress?: (done: number, total: number) => void,
): Promise<ClassifierRunner> {
  const io = await client.modelIo(slot);
  const input = io.inputs[0];
  const output = io.outputs[0];
  if (!input || !output || io.inputs.length !== 1)
    throw new EdgelockError('E_FINGERPRINT_MODEL', `the model in slot ${slot} is not a one-input classifier`);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const inSize = input.shape.reduce((a, b) => a * b, 1);
  if (inSize !== size)
    throw new EdgelockError(
      'E_FINGERPRINT_MODEL',
      `the board's model takes ${inSize} values per sample, the fingerprint was made for ${size}`,
    );
  if (input.type !== 9 || output.type !== 9)
    throw new EdgelockError('E_FINGERPRINT_MODEL', `the board's model in slot ${slot} is not int8 in and out`);
  const classes = output.shape[output.shape.length - 1];
  return {
    classes,
    sampleShape,
    async predict(x, count) {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const q = Int8Array.from(
          quantizeAffine(
            toModelLayout(x.subarray(i * size, (i + 1) * size), sampleShape, input.shape),
            input.scale,
            input.zeroPoint,
          ),
        );
        const r = await client.run(slot, q);
        out[i] = argmaxRows(r.outputs[0].int8, 1, classes)[0];
        onProgress?.(i + 1, count);
      }
      return out;
    },
    dispose() {},
  };
}
