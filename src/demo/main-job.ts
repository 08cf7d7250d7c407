import { existsSync, mkdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import * as ort from 'onnxruntime-node';
import { inspectOnnx } from '../inspect/onnx';
import { readOnnx } from '../onnx/reader';
import { writeOnnx } from '../onnx/writer';
import { runPipeline } from '../passes/pipeline';
import { compileModel } from '../compiler/compile';
import { loadDataset } from '../data/dataset';
import { TfliteOracle } from '../tflite/oracle';
import { writeFileAtomic } from '../formats/atomic-write';
import { formatTable, humanBytes } from '../cli/output';
import { nchwToNhwc } from './layout';

export const MODELS_DIR = resolve(__dirname, '..', '..', 'models');
export const DEFAULT_MODEL = join(MODELS_DIR, 'mnist-lenet.onnx');

export interface MainJobOptions {
  model: string;
  outDir: string;
  samples: number;
  log: (line: string) => void;
}

export interface MainJobResult {
  rows: (string | number)[][];
  floatAccuracy: number;
  int8Accuracy: number;
  agreement: number;
}

function argmax(v: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
  return best;
}

/**
 * The main job on one model, as far as the toolchain reaches today: inspect → optimise → compile
 * (float32 and int8) → check both against the references on MNIST test images.
 */
export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const { log } = opts;
  if (!existsSync(opts.outDir)) mkdirSync(opts.outDir, { recursive: true });
  const bytes = readFileSync(opts.model);
  const rows: (string | number)[][] = [];

  const { report } = inspectOnnx(readOnnx(bytes, opts.model));
  log(`inspect   ${opts.model}: ${report.nodes} nodes, ${report.params} parameters, ${report.macs} MACs`);
  rows.push(['inspect', `${report.nodes} nodes, ${report.params} params, ${report.macs} MACs`]);

  const optimized = runPipeline(readOnnx(bytes, opts.model)).model;
  const optPath = join(opts.outDir, 'model.opt.onnx');
  writeFileAtomic(optPath, writeOnnx(optimized));
  log(`optimize  ${report.nodes} → ${optimized.graph.nodes.length} nodes → ${optPath}`);
  rows.push(['optimize', `${report.nodes} → ${optimized.graph.nodes.length} nodes`]);

  const calib = loadDataset('mnist-train');
  const calibCount = 500;
  const float = await compileModel(bytes, { precision: 'float32', file: opts.model });
  const int8 = await compileModel(bytes, {
    precision: 'int8',
    io: 'int8',
    file: opts.model,
    calibration: { data: calib.data.subarray(0, calibCount * 784), count: calibCount, sampleShape: calib.sampleShape },
  });
  const floatPath = join(opts.outDir, 'model.float.tflite');
  const int8Path = join(opts.outDir, 'model.int8.tflite');
  writeFileAtomic(floatPath, float.bytes);
  writeFileAtomic(int8Path, int8.bytes);
  log(`compile   float32 ${humanBytes(float.summary.modelBytes)} → ${floatPath}`);
  log(`compile   int8 ${humanBytes(int8.summary.modelBytes)}, arena ${humanBytes(int8.summary.arenaBytes)} → ${int8Path}`);
  rows.push(['compile float32', `${humanBytes(float.summary.modelBytes)}`]);
  rows.push(['compile int8', `${humanBytes(int8.summary.modelBytes)}, arena ${humanBytes(int8.summary.arenaBytes)}, ops ${int8.summary.ops.map((o) => o.op).join(' ')}`]);

  const test = loadDataset('mnist-test');
  const n = Math.min(opts.samples, test.count);
  const session = await ort.InferenceSession.create(bytes);
  const oracle = await TfliteOracle.load(int8.bytes);
  const inQ = int8.summary.inputs[0];
  const outQ = int8.summary.outputs[0];
  const [c, h, w] = test.sampleShape.length === 3 ? test.sampleShape : [1, 28, 28];
  let floatOk = 0;
  let int8Ok = 0;
  let agree = 0;
  try {
    for (let i = 0; i < n; i++) {
      const x = test.data.subarray(i * 784, (i + 1) * 784);
      const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.slice(), [1, c, h, w]) });
      const logits = r[session.outputNames[0]].data as Float32Array;
      const pf = argmax(logits, 0, logits.length);
      const nhwc = nchwToNhwc(x, c, h, w);
      const q = new Int32Array(nhwc.length);
      for (let j = 0; j < q.length; j++) q[j] = Math.max(-128, Math.min(127, Math.round(nhwc[j] / inQ.scale!) + inQ.zeroPoint!));
      const out = oracle.run([{ data: q, shape: inQ.shape }])[0].data;
      const pq = argmax(out, 0, outQ.shape[outQ.shape.length - 1]);
      const label = test.labels![i];
      if (pf === label) floatOk++;
      if (pq === label) int8Ok++;
      if (pf === pq) agree++;
    }
  } finally {
    oracle.dispose();
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(2)}%`;
  rows.push([`float ONNX (onnxruntime), ${n} test images`, `accuracy ${pct(floatOk)}`]);
  rows.push([`int8 TFLite (TFLite runtime), ${n} test images`, `accuracy ${pct(int8Ok)}, top-1 agreement with float ${pct(agree)}`]);
  return { rows, floatAccuracy: floatOk / n, int8Accuracy: int8Ok / n, agreement: agree / n };
}

export function formatMainJob(r: MainJobResult): string {
  return formatTable(['step', 'result'], r.rows);
}
