/**
 * The zoo models trained on synthetic tasks (models/kws-dscnn.onnx, models/cifar-resnet8.onnx), or an ONNX model of
 * the same input, compiled to int8 on 200 of the task's calibration samples, as the trace tests read them; and a
 * task's samples in a compiled model's recorded input layout (the tasks' images are NCHW, the compiled models read
 * them channels-last).
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileModel } from '../../src/compiler/compile';
import { readTflite } from '../../src/tflite/reader';
import { toModelInputs } from '../../src/trace/natural-inputs';
import { syntheticTask } from '../../src/zoo/synthetic-task';

export type ZooTask = 'kws-dscnn' | 'cifar-resnet8';

/** models/<task>.onnx */
export function zooOnnx(task: ZooTask): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(__dirname, `../../models/${task}.onnx`)));
}

/** `onnx` (the task's zoo model by default) compiled to int8 on 200 calibration samples of `task`. */
export async function compileOnTask(task: ZooTask, onnx = zooOnnx(task), io?: 'int8' | 'float'): Promise<Uint8Array> {
  const calib = syntheticTask(task, 'calib', 200);
  return (
    await compileModel(onnx, {
      precision: 'int8',
      ...(io ? { io } : {}),
      calibration: { data: calib.data, count: calib.count, sampleShape: calib.sampleShape },
    })
  ).bytes;
}

/** The first `count` samples of a task's split, in `model`'s input layout. */
export function taskInputs(model: Uint8Array, task: ZooTask, split: 'test' | 'train', count: number): Float32Array {
  const t = syntheticTask(task, split, count);
  return toModelInputs(readTflite(model), t.data, count, t.sampleShape);
}
