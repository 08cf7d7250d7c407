/**
 * A compiled model's float network written out as ONNX (src/trace/net-onnx.ts), what the deepening attack edits when
 * the model holds what the trainer's ONNX reader does not (BatchNormalization, residual Adds): held to onnxruntime on
 * the zoo ResNet-8 (residual joins, 1x1 shortcuts, a global average pool), the DS-CNN (depthwise convolutions) and a
 * MobileNetV2 as torch.onnx exports one (ReLU6, inverted residuals). Its answers are the float network's, and compiled
 * again on the same calibration samples it holds the same int8 filters as the model it came from.
 */
import { writeOnnx } from '../../src/onnx';
import { readTflite } from '../../src/tflite/reader';
import { floatNetFromTflite, toNetLayout } from '../../src/trace/float-net';
import { onnxOfFloatNet } from '../../src/trace/net-onnx';
import { weightTensors } from '../../src/trace/weight-tensors';
import { mobilenetV2 } from '../helpers/mobilenet-v2';
import { runOrtBatch } from '../helpers/ort';
import { compileOnTask, taskInputs, ZooTask } from '../helpers/synthetic-zoo';

const N = 50;
const cases: [string, ZooTask, (() => Uint8Array) | undefined][] = [
  ['the zoo ResNet-8', 'cifar-resnet8', undefined],
  ['the zoo DS-CNN', 'kws-dscnn', undefined],
  ['a MobileNetV2', 'cifar-resnet8', () => writeOnnx(mobilenetV2())],
];

test.each(cases)(
  '%s: its float network as ONNX answers as onnxruntime does, and compiles to the same int8 filters',
  async (_name, task, onnx) => {
    const model = await compileOnTask(task, onnx?.());
    const fn = floatNetFromTflite(model);
    const exported = onnxOfFloatNet(fn);
    const x = toNetLayout(taskInputs(model, task, 'test', N), N, fn.modelInputShape);
    const ours = fn.net.forward(x, N, false);
    const reference = await runOrtBatch(exported, x, N);
    expect(reference.length).toBe(ours.length);
    const largest = Math.max(...Array.from(reference, Math.abs));
    reference.forEach((v, i) => expect(Math.abs(v - ours[i])).toBeLessThan(1e-4 * Math.max(1, largest)));
    // compiled again: every filter's int8 weights as they were (per-channel scales max|w|/127 give them back)
    const again = await compileOnTask(task, writeOnnx(exported));
    const int8 = (m: Uint8Array) =>
      weightTensors(readTflite(m)).map((t) => Array.from(new Int8Array(m.buffer, m.byteOffset + t.at, t.count)));
    expect(int8(again)).toEqual(int8(model));
  },
  300_000,
);
