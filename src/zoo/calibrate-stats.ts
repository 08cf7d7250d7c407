/**
 * Data-dependent initialisation of synthetic-weight models, measured with onnxruntime on
 * synthetic inputs: BatchNormalization running statistics are set, node by node in graph order,
 * to the measured per-channel mean and variance of their inputs (so activations stay at unit
 * scale), and the classifier Gemm is rescaled so its logits spread over inputs.
 */
import * as ort from 'onnxruntime-node';
import { Model, Tensor } from '../ir/types';
import { writeOnnx } from '../onnx/writer';

/** Runs the model on each sample and returns, for each named value, its per-sample outputs and dims. */
export async function probe(model: Model, names: string[], samples: Float32Array[]): Promise<{ data: Float32Array[]; dims: number[] }[]> {
  const input = model.graph.inputs[0];
  const probeModel: Model = {
    ...model,
    graph: { ...model.graph, outputs: names.map((name) => ({ name, dtype: 'float32' as const, shape: null })) },
  };
  const session = await ort.InferenceSession.create(writeOnnx(probeModel));
  const dims = input.shape!.map((d) => Number(d));
  const out = names.map(() => ({ data: [] as Float32Array[], dims: [] as number[] }));
  for (const x of samples) {
    const r = await session.run({ [input.name]: new ort.Tensor('float32', x, dims) });
    names.forEach((n, i) => {
      out[i].data.push(Float32Array.from(r[n].data as Float32Array));
      out[i].dims = [...r[n].dims];
    });
  }
  await session.release();
  return out;
}

function initializer(model: Model, name: string): Tensor {
  const t = model.graph.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

/** Sets every BatchNormalization's mean/var from its measured input statistics, in graph order. */
export async function calibrateBatchNorms(model: Model, samples: Float32Array[]): Promise<number> {
  const bns = model.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  for (const bn of bns) {
    const [{ data, dims }] = await probe(model, [bn.inputs[0]], samples);
    const channels = dims[1];
    const plane = dims.slice(2).reduce((a, b) => a * b, 1);
    const mean = initializer(model, bn.inputs[3]).data as Float32Array;
    const variance = initializer(model, bn.inputs[4]).data as Float32Array;
    for (let c = 0; c < channels; c++) {
      let s = 0;
      let s2 = 0;
      for (const x of data) {
        for (let j = 0; j < plane; j++) {
          const v = x[c * plane + j];
          s += v;
          s2 += v * v;
        }
      }
      const n = data.length * plane;
      const m = s / n;
      mean[c] = m;
      variance[c] = Math.max(s2 / n - m * m, 1e-4);
    }
  }
  return bns.length;
}

/**
 * Rescales a Gemm (transB = 1) so each input feature is standardised over the samples and the
 * logits have a standard deviation of about `gain`: W' = gain·W/σ, b' = −W'·μ.
 */
export async function standardiseClassifier(model: Model, gemmName: string, samples: Float32Array[], gain: number): Promise<void> {
  const gemm = model.graph.nodes.find((n) => n.name === gemmName);
  if (!gemm || gemm.opType !== 'Gemm') throw new Error(`no Gemm node ${gemmName}`);
  const [{ data }] = await probe(model, [gemm.inputs[0]], samples);
  const w = initializer(model, gemm.inputs[1]);
  const b = initializer(model, gemm.inputs[2]).data as Float32Array;
  const [outF, inF] = w.shape;
  const wd = w.data as Float32Array;
  const mu = new Float64Array(inF);
  const sd = new Float64Array(inF);
  for (const x of data) for (let i = 0; i < inF; i++) mu[i] += x[i] / data.length;
  for (const x of data) for (let i = 0; i < inF; i++) sd[i] += (x[i] - mu[i]) ** 2 / data.length;
  for (let i = 0; i < inF; i++) sd[i] = Math.sqrt(sd[i]) + 1e-3;
  for (let o = 0; o < outF; o++) {
    let bias = 0;
    for (let i = 0; i < inF; i++) {
      const v = (gain * wd[o * inF + i]) / sd[i];
      wd[o * inF + i] = v;
      bias -= v * mu[i];
    }
    b[o] = bias;
  }
}
