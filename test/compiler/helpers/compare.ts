/**
 * Runs a compiled .tflite in the official TFLite runtime and its source ONNX in onnxruntime on
 * the same seeded random inputs (NHWC-transposed for inputs the model takes as NHWC) and reports
 * the worst difference relative to each output's range.
 */
import { shapeSize } from '../../../src/ir/tensor';
import { readOnnx } from '../../../src/onnx/reader';
import { transposeData } from '../../../src/compiler/layout';
import { TfliteOracle } from '../../../src/tflite/oracle';
import { TflGraph } from '../../../src/compiler/tfl-graph';
import { runOrt, seededRandom } from '../../helpers/ort';

export interface Comparison {
  /** max |tflite − onnx| / (max − min of the ONNX output), worst over outputs and samples. */
  worstRelative: number;
  worstAbsolute: number;
  samples: number;
}

export async function compareWithOnnx(
  onnxBytes: Uint8Array,
  tflite: Uint8Array,
  graph: TflGraph,
  opts: {
    samples?: number;
    seed?: number;
    range?: [number, number];
    inputShapes?: ReadonlyMap<string, readonly number[]>;
  } = {},
): Promise<Comparison> {
  const model = readOnnx(onnxBytes);
  const samples = opts.samples ?? 32;
  const [lo, hi] = opts.range ?? [-1, 1];
  const rand = seededRandom(opts.seed ?? 7);
  const oracle = await TfliteOracle.load(tflite);
  let worstRelative = 0;
  let worstAbsolute = 0;
  try {
    for (let s = 0; s < samples; s++) {
      const feeds: Record<string, { dtype: 'float32'; shape: number[]; data: Float32Array }> = {};
      const tfInputs: { data: Float32Array; shape: number[] }[] = [];
      model.graph.inputs.forEach((v, i) => {
        const shape = [...(opts.inputShapes?.get(v.name) ?? v.shape!.map((d) => (typeof d === 'number' ? d : 1)))];
        const data = new Float32Array(shapeSize(shape));
        for (let k = 0; k < data.length; k++) data[k] = lo + rand() * (hi - lo);
        feeds[v.name] = { dtype: 'float32', shape, data };
        const nhwc = graph.inputLayouts[i] === 'nhwc';
        tfInputs.push(
          nhwc
            ? { data: transposeData(data, shape, [0, 2, 3, 1]), shape: [shape[0], shape[2], shape[3], shape[1]] }
            : { data, shape },
        );
      });
      const ref = await runOrt(model, feeds);
      const got = oracle.run(tfInputs);
      model.graph.outputs.forEach((o, i) => {
        const r = ref[o.name].data as Float32Array;
        const t = got[i].data as Float32Array;
        if (r.length !== t.length)
          throw new Error(`output ${o.name}: ${t.length} values from TFLite, ${r.length} from onnxruntime`);
        let min = Infinity;
        let max = -Infinity;
        for (const v of r) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        const span = Math.max(max - min, 1e-6);
        for (let k = 0; k < r.length; k++) {
          const d = Math.abs(r[k] - t[k]);
          if (!(d <= worstAbsolute)) worstAbsolute = Number.isNaN(d) ? Infinity : d;
          worstRelative = Math.max(worstRelative, Number.isNaN(d) ? Infinity : d / span);
        }
      });
    }
  } finally {
    oracle.dispose();
  }
  return { worstRelative, worstAbsolute, samples };
}
