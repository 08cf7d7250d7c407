/**
 * A small MobileNetV2 for 32×32 RGB images, laid out the way torch.onnx (opset 13, eval mode) writes one: each
 * BatchNorm folded into its Conv's weights and bias, ReLU6 as Clip with its bounds as inputs (min 0, max 6),
 * depthwise convolutions as Conv with group = channels, PyTorch's symmetric padding (which TFLite's SAME cannot
 * express for a stride of 2, so the compiler puts a PAD before those), inverted residual blocks joined by Add where
 * the stride is 1 and the width unchanged, `x.mean((2, 3))` as ReduceMean(axes [2, 3], keepdims 0), the classifier as
 * Gemm(transB = 1), and a symbolic batch. Weights are seeded (He-normal, folded-BatchNorm biases), not trained:
 * the fixture is for what a compiled model of this shape computes, not for its accuracy.
 *
 *   stem      Conv 3→16, 3×3, stride 2 (pads 1) + ReLU6                      16×16
 *   block 1   1×1 16→32 + ReLU6, depthwise 3×3 + ReLU6, 1×1 32→16; + input   16×16
 *   block 2   1×1 16→64 + ReLU6, depthwise 3×3 stride 2 + ReLU6, 1×1 64→24  8×8
 *   block 3   1×1 24→96 + ReLU6, depthwise 3×3 + ReLU6, 1×1 96→24; + input   8×8
 *   head      1×1 24→64 + ReLU6, mean over H and W, Gemm 64→10
 */
import { Model } from '../../src/ir/types';
import { Rng } from '../../src/train/rng';
import { GraphBuilder } from '../../src/zoo/graph-builder';

export function mobilenetV2(seed = 7): Model {
  const rng = new Rng(seed);
  const b = new GraphBuilder();
  const lo = b.weight('onnx::Clip_min', [], Float32Array.of(0));
  const hi = b.weight('onnx::Clip_max', [], Float32Array.of(6));
  let n = 0;
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, group = 1) => {
    const fanIn = (cin / group) * k * k;
    const w = b.weight(
      `onnx::Conv_${n}`,
      [cout, cin / group, k, k],
      rng.normalArray(cout * fanIn, Math.sqrt(2 / fanIn)),
    );
    const bias = b.weight(`onnx::Conv_${n + 1}`, [cout], rng.normalArray(cout, 0.1));
    n += 2;
    const p = (k - 1) / 2;
    return b.node('Conv', [x, w, bias], {
      dilations: [1, 1],
      group,
      kernel_shape: [k, k],
      pads: [p, p, p, p],
      strides: [stride, stride],
    });
  };
  const relu6 = (x: string) => b.node('Clip', [x, lo, hi]);
  const block = (x: string, cin: number, cout: number, stride: number, expand: number) => {
    const h = cin * expand;
    let y = relu6(conv(x, cin, h, 1, 1));
    y = relu6(conv(y, h, h, 3, stride, h));
    y = conv(y, h, cout, 1, 1);
    return stride === 1 && cin === cout ? b.node('Add', [x, y]) : y;
  };
  let x = b.input('input', ['batch', 3, 32, 32]);
  x = relu6(conv(x, 3, 16, 3, 2));
  x = block(x, 16, 16, 1, 2);
  x = block(x, 16, 24, 2, 4);
  x = block(x, 24, 24, 1, 4);
  x = relu6(conv(x, 24, 64, 1, 1));
  x = b.node('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const w = b.weight('classifier.weight', [10, 64], rng.normalArray(640, Math.sqrt(1 / 64)));
  const bias = b.weight('classifier.bias', [10], rng.normalArray(10, 0.05));
  b.node('Gemm', [x, w, bias], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, 'logits');
  b.output('logits', ['batch', 10]);
  const m = b.toModel('torch_jit', 'a MobileNetV2 as torch.onnx exports one (seeded weights)');
  return { ...m, producerName: 'pytorch', producerVersion: '1.13.1' };
}
