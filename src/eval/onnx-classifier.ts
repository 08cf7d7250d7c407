/** Predicted classes of an ONNX classifier in onnxruntime-node (the reference runtime), one sample per run. */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { writeOnnx } from '../onnx';
import { argmax, LabelledSet } from './labelled-data';
import { createSession, ort } from '../onnx/ort-session';

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

export async function predictOnnx(model: Model, data: LabelledSet): Promise<Int32Array> {
  const g = model.graph;
  if (g.inputs.length !== 1)
    throw new EdgelockError('E_DATA_SHAPE', `evaluation needs a model with one input (it has ${g.inputs.length})`);
  const input = g.inputs[0];
  const shape = (input.shape ?? []).map((d) => (typeof d === 'number' ? d : 1));
  const size = data.sampleShape.reduce((a, b) => a * b, 1);
  if (shape.reduce((a, b) => a * b, 1) !== size) {
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `samples of shape [${data.sampleShape}] do not fit model input '${input.name}' [${shape}]`,
    );
  }
  const { Tensor } = ort();
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await createSession(writeOnnx(model), { graphOptimizationLevel: 'disabled' });
  } catch (e) {
    throw new EdgelockError('E_RUNTIME', `onnxruntime could not load the model: ${messageOf(e)}`);
  }
  const out = new Int32Array(data.count);
  try {
    for (let i = 0; i < data.count; i++) {
      const x = data.x.slice(i * size, (i + 1) * size);
      const res = await session.run({ [input.name]: new Tensor('float32', x, shape) });
      out[i] = argmax(res[g.outputs[0].name].data as Float32Array);
    }
  } catch (e) {
    throw new EdgelockError('E_RUNTIME', `onnxruntime failed: ${messageOf(e)}`);
  } finally {
    await session.release();
  }
  return out;
}
