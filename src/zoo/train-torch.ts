/**
 * Trains an IR model on a synthetic task with PyTorch (Debian's /usr/bin/python3 with torch), for
 * zoo models with BatchNormalization and residual Adds, which src/train does not train.
 *
 * The model as the IR builder made it is written to a temporary directory with the project's ONNX
 * writer, together with the training and validation sets as .npy; models/synthetic/train.py runs
 * that graph node by node in PyTorch, trains it and writes one .npy per initializer, which are
 * loaded back into the same IR model (names and shapes checked). Accuracy is then measured by
 * onnxruntime on the written ONNX, not taken from PyTorch.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import * as os from 'os';
import * as path from 'path';
import { readNpy, writeNpy } from '../data/npy';
import { EdgelockError } from '../errors';
import { makeTensor } from '../ir/tensor';
import { Model } from '../ir/types';
import { writeOnnx } from '../onnx/writer';
import { SyntheticSet, syntheticTask } from './synthetic-task';
import { ZooBuildContext, ZooInfo } from './zoo-model';
import { MODELS_DIR } from './models-dir';

export const TORCH_PYTHON = process.env.EDGELOCK_TORCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(MODELS_DIR, 'synthetic', 'train.py');

export interface TorchTrainOptions {
  trainCount: number;
  valCount: number;
  epochs: number;
  seed: number;
  log: (line: string) => void;
}

/** Throws E_ZOO_TRAINER_MISSING unless the Python interpreter imports torch, onnx and numpy. */
export function checkTorch(): string {
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch, onnx, numpy; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const why = r.error ? String(r.error.message) : (r.stderr || '').trim().split('\n').pop();
    throw new EdgelockError('E_ZOO_TRAINER_MISSING', `${TORCH_PYTHON} cannot import torch, onnx and numpy (${why})`);
  }
  return r.stdout.trim();
}

/** Trains `model` in place on `syntheticTask(name, 'train', …)`; returns PyTorch's training record. */
export function trainWithTorch(model: Model, name: string, o: TorchTrainOptions): Record<string, unknown> {
  checkTorch();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `edgelock-zoo-${name}-`));
  try {
    const t0 = Date.now();
    const train = syntheticTask(name, 'train', o.trainCount);
    const val = syntheticTask(name, 'calib', o.valCount);
    fs.writeFileSync(path.join(work, 'model.onnx'), writeOnnx(model));
    for (const [tag, set] of [
      ['train', train],
      ['val', val],
    ] as const) {
      writeNpy(path.join(work, `x_${tag}.npy`), makeTensor('float32', [set.count, ...set.sampleShape], set.data));
      writeNpy(path.join(work, `y_${tag}.npy`), makeTensor('int32', [set.count], set.labels));
    }
    o.log(
      `  generated ${train.count} training and ${val.count} validation samples of ${train.task} in ${Date.now() - t0} ms; training with PyTorch`,
    );
    const r = spawnSync(TORCH_PYTHON, [SCRIPT, work, '--epochs', String(o.epochs), '--seed', String(o.seed)], {
      stdio: ['ignore', 2, 2],
    });
    if (r.status !== 0)
      throw new EdgelockError(
        'E_RUNTIME',
        `PyTorch training of ${name} failed (${SCRIPT} exited with ${r.status ?? r.signal})`,
      );
    for (const [key, t] of model.graph.initializers) {
      const w = readNpy(path.join(work, 'weights', `${key}.npy`));
      if (w.dtype !== 'float32' || w.shape.join(',') !== t.shape.join(',')) {
        throw new EdgelockError(
          'E_RUNTIME',
          `trained weight ${key} has shape [${w.shape}] ${w.dtype}, the model needs [${t.shape}] float32`,
        );
      }
      model.graph.initializers.set(key, makeTensor('float32', [...t.shape], w.data as Float32Array));
    }
    const record = JSON.parse(fs.readFileSync(path.join(work, 'train.json'), 'utf8')) as Record<string, unknown>;
    delete record.log;
    return record;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Top-1 accuracy of the model, run by onnxruntime one sample at a time, on a labelled set. */
export async function ortAccuracy(model: Model, set: SyntheticSet): Promise<number> {
  const session = await ort.InferenceSession.create(writeOnnx(model));
  const input = model.graph.inputs[0].name;
  const output = model.graph.outputs[0].name;
  const size = set.sampleShape.reduce((a, b) => a * b, 1);
  let correct = 0;
  try {
    for (let i = 0; i < set.count; i++) {
      const x = set.data.slice(i * size, (i + 1) * size);
      const r = await session.run({ [input]: new ort.Tensor('float32', x, [1, ...set.sampleShape]) });
      const y = r[output].data as Float32Array;
      let best = 0;
      for (let k = 1; k < y.length; k++) if (y[k] > y[best]) best = k;
      if (best === set.labels[i]) correct++;
    }
  } finally {
    await session.release();
  }
  return correct / set.count;
}

export interface SyntheticRecipe {
  /** the task's name in the zoo index, e.g. synthetic-kws */
  task: string;
  seed: number;
  trainCount: number;
  epochs: number;
  testCount: number;
}

/**
 * The rest of a synthetic-task zoo entry once its graph is built: trains `model` on task `name` with PyTorch,
 * measures held-back accuracy with onnxruntime and describes how it was made.
 */
export async function trainSyntheticEntry(
  model: Model,
  name: string,
  description: string,
  r: SyntheticRecipe,
  ctx: ZooBuildContext,
): Promise<{ model: Model; info: Omit<ZooInfo, 'params' | 'buildSeconds'> }> {
  const task = r.task;
  const training = trainWithTorch(model, name, {
    trainCount: r.trainCount,
    valCount: 1000,
    epochs: r.epochs,
    seed: r.seed,
    log: ctx.log,
  });
  const accuracy = await ortAccuracy(model, syntheticTask(name, 'test', r.testCount));
  ctx.log(`  ${task} held-back test accuracy (onnxruntime, ${r.testCount} samples): ${(100 * accuracy).toFixed(2)}%`);
  return {
    model,
    info: {
      name,
      description,
      seed: r.seed,
      howBuilt:
        `seeded He-normal initial weights, trained with PyTorch (models/synthetic/train.py runs the IR ` +
        `graph node by node) on ${r.trainCount} samples of the ${task} task (src/zoo/synthetic-task.ts); ` +
        `BatchNormalization statistics averaged over the training set`,
      accuracy: Math.round(accuracy * 10000) / 10000,
      trainedOn: task,
      training: { ...training, testSamples: r.testCount, testSplit: 'syntheticTask(name, "test", n)' },
    },
  };
}
