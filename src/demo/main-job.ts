import { existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { MODELS_DIR } from '../bench/zoo-list';
import { inspectOnnx } from '../inspect/onnx';
import { readOnnx } from '../onnx/reader';
import { writeOnnx } from '../onnx/writer';
import { runPipeline } from '../passes/pipeline';
import { compileModel } from '../compiler/compile';
import { loadDataset } from '../data/dataset';
import { predictOnnx } from '../eval/onnx-classifier';
import { predictTflite } from '../eval/tflite-classifier';
import { loadLabelledSet } from '../eval/labelled-data';
import { writeFileAtomic } from '../formats/atomic-write';
import { formatTable, humanBytes } from '../cli/output';

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

/**
 * The main job on one model, as far as the toolchain reaches today: inspect → optimise → compile
 * (float32 and int8) → check both against the references on MNIST test images.
 */
export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const { log } = opts;
  if (!existsSync(opts.outDir)) mkdirSync(opts.outDir, { recursive: true });
  const bytes = readFileSync(opts.model);
  const rows: (string | number)[][] = [];

  const model = readOnnx(bytes, opts.model);
  const { report } = inspectOnnx(model);
  log(`inspect   ${opts.model}: ${report.nodes} nodes, ${report.params} parameters, ${report.macs} MACs`);
  rows.push(['inspect', `${report.nodes} nodes, ${report.params} params, ${report.macs} MACs`]);

  const optimized = runPipeline(model).model;
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
    calibration: { data: calib.data.subarray(0, calibCount * calib.sampleShape.reduce((a, b) => a * b, 1)), count: calibCount, sampleShape: calib.sampleShape },
  });
  const floatPath = join(opts.outDir, 'model.float.tflite');
  const int8Path = join(opts.outDir, 'model.int8.tflite');
  writeFileAtomic(floatPath, float.bytes);
  writeFileAtomic(int8Path, int8.bytes);
  log(`compile   float32 ${humanBytes(float.summary.modelBytes)} → ${floatPath}`);
  log(`compile   int8 ${humanBytes(int8.summary.modelBytes)}, arena ${humanBytes(int8.summary.arenaBytes)} → ${int8Path}`);
  rows.push(['compile float32', `${humanBytes(float.summary.modelBytes)}`]);
  rows.push(['compile int8', `${humanBytes(int8.summary.modelBytes)}, arena ${humanBytes(int8.summary.arenaBytes)}, ops ${int8.summary.ops.map((o) => o.op).join(' ')}`]);

  const test = loadLabelledSet('mnist-test', undefined, opts.samples);
  const n = test.count;
  const floatPred = await predictOnnx(model, test);
  const int8Pred = await predictTflite(int8.bytes, test);
  let floatOk = 0;
  let int8Ok = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (floatPred[i] === test.labels[i]) floatOk++;
    if (int8Pred[i] === test.labels[i]) int8Ok++;
    if (floatPred[i] === int8Pred[i]) agree++;
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(2)}%`;
  rows.push([`float ONNX (onnxruntime), ${n} test images`, `accuracy ${pct(floatOk)}`]);
  rows.push([`int8 TFLite (TFLite runtime), ${n} test images`, `accuracy ${pct(int8Ok)}, top-1 agreement with float ${pct(agree)}`]);
  return { rows, floatAccuracy: floatOk / n, int8Accuracy: int8Ok / n, agreement: agree / n };
}

export function formatMainJob(r: MainJobResult): string {
  return formatTable(['step', 'result'], r.rows);
}
