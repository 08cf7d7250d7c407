import { readFileSync } from 'fs';
import * as flatbuffers from 'flatbuffers';
import { compileModel } from '../compiler/compile';
import { loadDataset } from '../data/dataset';
import { Model } from '../tflite/generated';
import { Rng } from '../train/rng';
import { readOnnx } from '../onnx/reader';
import { inferShapes } from '../ops/shape-inference';
import { Benchmark, BenchTable } from './types';
import { zooModels } from '../zoo/models-dir';

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

/**
 * Bytes of the quantisation vectors in a .tflite file as stored: every distinct scale (float32) and zero-point
 * (int64) vector once, with its 4-byte length. Most of it is per-output-channel parameters, which the int8
 * spec requires for each weight and its bias.
 */
export function quantizationVectorBytes(tflite: Uint8Array): number {
  const bb = new flatbuffers.ByteBuffer(tflite);
  const sg = Model.getRootAsModel(bb).subgraphs(0)!;
  const seen = new Set<number>();
  let bytes = 0;
  for (let i = 0; i < sg.tensorsLength(); i++) {
    const q = sg.tensors(i)!.quantization();
    if (!q) continue;
    for (const [field, width] of [
      [8, 4],
      [10, 8],
    ] as const) {
      // QuantizationParameters.scale, .zero_point
      const o = bb.__offset(q.bb_pos, field);
      if (!o) continue;
      const at = bb.__vector(q.bb_pos + o);
      if (seen.has(at)) continue;
      seen.add(at);
      bytes += 4 + width * bb.__vector_len(q.bb_pos + o);
    }
  }
  return bytes;
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
        rows.push([
          z.name,
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          `not compiled: ${(e as { code?: string }).code ?? (e as Error).message}`,
        ]);
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
        quantizationVectorBytes(last!.bytes),
        (s.modelBytes / s.constantBytes).toFixed(3),
        s.arenaBytes,
        s.modelBytes <= budget ? 'yes' : `no (+${Math.round(s.modelBytes - budget)} B)`,
      ]);
    }
    return {
      title: `int8 compile (median of 3 warm runs; calibration on ${CALIB_SAMPLES} samples)`,
      header: [
        'model',
        'compile ms',
        'calibration ms',
        'model bytes',
        'raw int8 param bytes',
        'scale+zp vector bytes',
        'size ratio',
        'arena bytes',
        '≤ raw+5%+4KB',
      ],
      rows,
      notes: [
        'compile ms: everything except calibration inference (passes, lowering, quantisation, serialisation); target ≤300 ms at 300k parameters',
        'raw int8 param bytes: int8 weights + int32 biases + other constants as stored',
        'scale+zp vector bytes: the quantisation vectors in the file (float32 scales, int64 zero points; each ' +
          'distinct vector once), mostly per output channel of every weight and bias',
      ],
    };
  },
};
