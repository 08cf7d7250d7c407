/**
 * Real int8 models for the board tests, compiled by edgelock's compiler from the ONNX files in models/,
 * calibrated on the first MNIST training images. Cached per test process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { calibrationFor } from '../../src/bench/compile';
import { ZooEntry } from '../../src/zoo/models-dir';
import { CompileOptions, CompileResult, compileModel } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { Rng } from '../../src/train/rng';
import { SYNTHETIC_TASK_MODELS, syntheticTask } from '../../src/zoo/synthetic-task';
import { fullyConnected } from '../runtime/models';

const ROOT = path.resolve(__dirname, '../..');
const cache = new Map<string, Promise<CompileResult>>();

/** int8 compile options (int8 inputs and outputs) calibrated on the first `samples` MNIST training images. */
export function mnistInt8Options(samples = 8): CompileOptions {
  const ds = loadDataset('mnist-train');
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  return {
    precision: 'int8',
    io: 'int8',
    calibration: { data: ds.data.subarray(0, samples * per), count: samples, sampleShape: ds.sampleShape },
  };
}

/** models/<name>.onnx compiled to int8 with int8 inputs and outputs, calibrated on `samples` MNIST training images. */
export function compiledMnistModel(name: 'mnist-mlp' | 'mnist-lenet', samples = 8): Promise<CompileResult> {
  const key = `${name}:${samples}`;
  if (!cache.has(key)) {
    cache.set(key, compileModel(fs.readFileSync(path.join(ROOT, 'models', `${name}.onnx`)), mnistInt8Options(samples)));
  }
  return cache.get(key)!;
}

/**
 * A single FULLY_CONNECTED int8 model (random weights from `seed`, built with the project's flatbuffer writer) of
 * about `bytes` bytes: a valid model the runtime prepares, sized for transfer tests.
 */
export function fcModelOfSize(seed: number, bytes: number): Buffer {
  const depth = 64;
  const units = Math.max(1, Math.round(bytes / (depth + 4))); // int8 weights row + int32 bias per unit
  return Buffer.from(fullyConnected(seed, 1, depth, units, false, true).model);
}

const zooCache = new Map<string, Promise<CompileResult>>();

/** A zoo model compiled to int8 with int8 I/O exactly as `npm run bench -- compile` compiles it (its calibration set). */
export function compiledZooModel(z: ZooEntry): Promise<CompileResult> {
  if (!zooCache.has(z.path)) {
    zooCache.set(
      z.path,
      compileModel(fs.readFileSync(z.path), {
        precision: 'int8',
        io: 'int8',
        calibration: calibrationFor(z.path),
        file: z.path,
      }),
    );
  }
  return zooCache.get(z.path)!;
}

/**
 * `count` held-out float samples for a zoo model, one ONNX input each ([C, H, W], NCHW): MNIST test images
 * for the MNIST models, the 'test' split of the synthetic task a zoo model was trained on, standard-normal
 * samples otherwise (the distribution the bench calibrates those models with).
 */
export function zooSamples(z: ZooEntry, count: number): { data: Float32Array; sampleShape: number[] } {
  const { sampleShape } = calibrationFor(z.path);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const base = path.basename(z.path, '.onnx');
  if (per === 784) {
    const m = loadDataset('mnist-test');
    return { data: m.data.slice(0, count * per), sampleShape };
  }
  if (SYNTHETIC_TASK_MODELS.includes(base)) return { data: syntheticTask(base, 'test', count).data, sampleShape };
  const rng = new Rng(777);
  return { data: Float32Array.from({ length: count * per }, () => rng.normal()), sampleShape };
}

/**
 * Sample `i` of `samples` as the compiled model's int8 input bytes: NCHW → NHWC when the compiled input is
 * NHWC, then the input's own scale and zero point (round half away from zero, saturated).
 */
export function int8Input(
  samples: { data: Float32Array; sampleShape: number[] },
  i: number,
  input: { shape: number[]; layout?: string; scale?: number; zeroPoint?: number },
): Int8Array {
  const per = samples.sampleShape.reduce((a, b) => a * b, 1);
  const x = samples.data.subarray(i * per, (i + 1) * per);
  const [c, h, w] = samples.sampleShape.length === 3 ? samples.sampleShape : [1, 1, per];
  const nhwc = input.layout === 'nhwc';
  const out = new Int8Array(per);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const v = x[(ch * h + y) * w + xx];
        const q = Math.sign(v / input.scale!) * Math.round(Math.abs(v / input.scale!)) + input.zeroPoint!;
        out[nhwc ? (y * w + xx) * c + ch : (ch * h + y) * w + xx] = Math.max(-128, Math.min(127, q));
      }
    }
  }
  return out;
}
