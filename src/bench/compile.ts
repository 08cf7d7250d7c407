import { readFileSync } from 'fs';
import { compileModel } from '../compiler/compile';
import { loadDataset } from '../data/dataset';
import { Rng } from '../train/rng';
import { readOnnx } from '../onnx/reader';
import { inferShapes } from '../ir/shape-inference';
import { Benchmark, BenchTable } from './types';
import { zooModels } from './zoo-list';

const CALIB_SAMPLES = 300;

export function calibrationFor(path: string): { data: Float32Array; count: number; sampleShape: number[] } {
  const model = inferShapes(readOnnx(readFileSync(path), path));
  const shape = (model.graph.inputs[0].shape ?? []).map((d) => (typeof d === 'number' ? d : 1));
  const sampleShape = shape.slice(1);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  if (per === 784) {
    const m = loadDataset('mnist-train');
    return { data: m.data.subarray(0, CALIB_SAMPLES * per), count: CALIB_SAMPLES, sampleShape };
  }
  const rng = new Rng(4242);
  const data = new Float32Array(CALIB_SAMPLES * per);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, count: CALIB_SAMPLES, sampleShape };
}

/** Issue 3's compile benchmark: compile time without calibration, calibration time, size versus raw int8 parameters. */
export const compileBench: Benchmark = {
  name: 'compile',
  async run(): Promise<BenchTable> {
    const rows: (string | number)[][] = [];
    for (const z of zooModels()) {
      const bytes = readFileSync(z.path);
      let calib;
      try {
        calib = calibrationFor(z.path);
      } catch {
        continue;
      }
      const runs: { compileMs: number; calibrationMs: number }[] = [];
      let last;
      try {
        for (let i = 0; i < 4; i++) {
          last = await compileModel(bytes, { precision: 'int8', io: 'int8', calibration: calib, file: z.path });
          runs.push(last.summary.timings);
        }
      } catch (e) {
        rows.push([z.name, '-', '-', '-', '-', '-', '-', `not compiled: ${(e as { code?: string }).code ?? (e as Error).message}`]);
        continue;
      }
      const warm = runs.slice(1).sort((a, b) => a.compileMs - b.compileMs);
      const med = warm[Math.floor(warm.length / 2)];
      const s = last!.summary;
      const budget = s.constantBytes * 1.05 + 4096;
      rows.push([
        z.name,
        med.compileMs.toFixed(0),
        med.calibrationMs.toFixed(0),
        s.modelBytes,
        s.constantBytes,
        (s.modelBytes / s.constantBytes).toFixed(3),
        s.arenaBytes,
        s.modelBytes <= budget ? 'yes' : `no (+${Math.round(s.modelBytes - budget)} B)`,
      ]);
    }
    return {
      title: `int8 compile (median of 3 warm runs; calibration on ${CALIB_SAMPLES} samples)`,
      header: ['model', 'compile ms', 'calibration ms', 'model bytes', 'raw int8 param bytes', 'size ratio', 'arena bytes', '≤ raw+5%+4KB'],
      rows,
      notes: [
        'compile ms: everything except calibration inference (passes, lowering, quantisation, serialisation); target ≤300 ms at 300k parameters',
        'raw int8 param bytes: int8 weights + int32 biases + other constants as stored; the rest of the file is per-channel scales, tensors, operators',
      ],
    };
  },
};
