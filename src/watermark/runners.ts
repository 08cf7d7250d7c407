/**
 * Black-box classifiers for verification: a model file → arg-max labels of a batch of inputs.
 * One runner per format (a table): ONNX through onnxruntime-node, TFLite (float or int8) through
 * the official TFLite runtime. Inputs are float samples in the ONNX layout (C order of
 * `sampleShape`); the TFLite runner quantises them with the input tensor's scale/zero point and
 * moves channels last when the compiled model takes NHWC.
 */
import { EdgelockError } from '../errors';
import { FormatName } from '../formats/detect';
import { readOnnx } from '../onnx/reader';
import { TfliteOracle } from '../tflite/oracle';
import { nchwToNhwc, quantizeAffine } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { createSession, ort } from '../onnx/ort-session';

export interface ClassifierRunner {
  /** Output classes. */
  readonly classes: number;
  /** Per-sample input shape in the ONNX (NCHW) convention. */
  readonly sampleShape: number[];
  predict(x: Float32Array, count: number): Promise<Int32Array>;
  dispose(): void;
}

/**
 * Refuses a suspect that does not take the base model's samples or answer its classes (E_DATA_SHAPE): an ownership
 * check would otherwise feed it misaligned samples and read its scores misaligned, and report a verdict on nothing.
 */
export function checkSameTask(
  suspect: Pick<ClassifierRunner, 'classes' | 'sampleShape'>,
  classes: number,
  sampleShape: readonly number[],
): void {
  if (suspect.classes !== classes)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the suspect answers ${suspect.classes} classes, the base model ${classes}`,
    );
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  if (size(suspect.sampleShape) !== size(sampleShape))
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the suspect takes samples of [${suspect.sampleShape}], the pool holds [${sampleShape}]`,
    );
}

export function argmaxRows(logits: ArrayLike<number>, count: number, classes: number): Int32Array {
  const out = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[s * classes + c] > logits[s * classes + best]) best = c;
    out[s] = best;
  }
  return out;
}

async function onnxRunner(bytes: Uint8Array, file: string): Promise<ClassifierRunner> {
  const model = readOnnx(bytes, file);
  const g = model.graph;
  if (g.inputs.length !== 1 || g.outputs.length < 1)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `verification needs a one-input classifier; '${file}' has ${g.inputs.length} inputs`,
      { file },
    );
  const shape = g.inputs[0].shape;
  if (!shape || shape.slice(1).some((d) => typeof d !== 'number'))
    throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `input '${g.inputs[0].name}' needs a fixed per-sample shape`, {
      file,
    });
  const sampleShape = shape.slice(1) as number[];
  const batched = typeof shape[0] !== 'number';
  const outShape = g.outputs[0].shape;
  const classes =
    outShape && typeof outShape[outShape.length - 1] === 'number' ? (outShape[outShape.length - 1] as number) : NaN;
  if (!(classes >= 2))
    throw new EdgelockError('E_WATERMARK_PARAMS', `output '${g.outputs[0].name}' has no fixed class dimension`, {
      file,
    });
  const session = await createSession(bytes);
  const inName = g.inputs[0].name;
  const outName = g.outputs[0].name;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  return {
    classes,
    sampleShape,
    async predict(x, count) {
      const out = new Int32Array(count);
      const step = batched ? 256 : 1;
      for (let s = 0; s < count; s += step) {
        const n = Math.min(step, count - s);
        const feed = new (ort().Tensor)('float32', Float32Array.from(x.subarray(s * size, (s + n) * size)), [
          n,
          ...sampleShape,
        ]);
        const r = await session.run({ [inName]: feed });
        out.set(argmaxRows(r[outName].data as Float32Array, n, classes), s);
      }
      return out;
    },
    dispose() {
      void session.release();
    },
  };
}

async function tfliteRunner(bytes: Uint8Array, file: string): Promise<ClassifierRunner> {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  if (!sg || sg.inputs.length !== 1 || sg.outputs.length < 1)
    throw new EdgelockError('E_WATERMARK_PARAMS', `verification needs a one-input classifier ('${file}')`, { file });
  const input = sg.tensors[sg.inputs[0]];
  const output = sg.tensors[sg.outputs[0]];
  const classes = output.shape[output.shape.length - 1];
  const tflShape = input.shape;
  // samples arrive in the ONNX order and move channels-last only for an input edgelock moved
  // ('nhwc' in the recorded input layouts, src/tflite/provenance.ts; a .tflite without that record is taken as NHWC).
  const layout = recordedInputLayouts(info.metadata)?.[0];
  const nhwc = tflShape.length === 4 && (layout ?? 'nhwc') === 'nhwc';
  const sampleShape = nhwc ? [tflShape[3], tflShape[1], tflShape[2]] : tflShape.slice(1);
  const transpose = nhwc && tflShape[3] > 1;
  const q = input.quantization;
  const integer = input.dtype === 'int8' || input.dtype === 'uint8';
  if (integer && (!q || q.scale.length !== 1))
    throw new EdgelockError('E_WATERMARK_PARAMS', `integer input '${input.name}' has no per-tensor scale`, { file });
  const oracle = await TfliteOracle.load(bytes);
  const size = tflShape.reduce((a, b) => a * b, 1);
  const [qmin, qmax] = input.dtype === 'uint8' ? [0, 255] : [-128, 127];
  return {
    classes,
    sampleShape,
    async predict(x, count) {
      const out = new Int32Array(count);
      for (let s = 0; s < count; s++) {
        let sample: Float32Array = x.subarray(s * size, (s + 1) * size);
        if (transpose) sample = nchwToNhwc(sample, tflShape[3], tflShape[1], tflShape[2]);
        const data = integer
          ? quantizeAffine(sample, q!.scale[0], q!.zeroPoint[0], qmin, qmax)
          : Float32Array.from(sample);
        const [o] = oracle.run([{ data, shape: tflShape }]);
        out[s] = argmaxRows(o.data, 1, classes)[0];
      }
      return out;
    },
    dispose() {
      oracle.dispose();
    },
  };
}

export const RUNNERS: Partial<Record<FormatName, (bytes: Uint8Array, file: string) => Promise<ClassifierRunner>>> = {
  onnx: onnxRunner,
  tflite: tfliteRunner,
};
