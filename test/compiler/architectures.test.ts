import { compileAndCompare } from './helpers/check';
import { GraphBuilder } from './helpers/graph';

/**
 * MLPerf-Tiny-shaped networks built here (random weights): the keyword-spotting DS-CNN and the
 * CIFAR ResNet-8, float32 against onnxruntime over 32 inputs, with zero TRANSPOSE ops.
 */
function convBnRelu(
  b: GraphBuilder,
  x: string,
  cin: number,
  cout: number,
  k: [number, number],
  attrs: Record<string, number[] | number>,
  group = 1,
): string {
  const i = b.model.graph.initializers.size;
  const c = b.node(
    'Conv',
    [x, b.weight(`w${i}`, [cout, cin / group, k[0], k[1]], 0.3), b.weight(`b${i}`, [cout], 0.1)],
    { ...attrs, group },
  );
  const bn = b.node('BatchNormalization', [
    c,
    b.weight(`g${i}`, [cout], 1),
    b.weight(`be${i}`, [cout], 0.2),
    b.weight(`m${i}`, [cout], 0.1),
    b.init(`v${i}`, { dtype: 'float32', shape: [cout], data: new Float32Array(cout).fill(1.5) }),
  ]);
  return b.node('Relu', [bn]);
}

test('DS-CNN keyword spotting ([1,1,49,10] MFCC, 10x4 stride-2 stem, 4 depthwise-separable blocks)', async () => {
  const b = new GraphBuilder(13, 21);
  let h = convBnRelu(b, b.input('mfcc', [1, 1, 49, 10]), 1, 64, [10, 4], { strides: [2, 2], pads: [4, 1, 5, 2] });
  for (let i = 0; i < 4; i++) {
    h = convBnRelu(b, h, 64, 64, [3, 3], { pads: [1, 1, 1, 1] }, 64);
    h = convBnRelu(b, h, 64, 64, [1, 1], {});
  }
  h = b.node('AveragePool', [h], { kernel_shape: [25, 5] });
  b.output(
    b.node('Gemm', [b.node('Flatten', [h]), b.weight('fc', [12, 64], 0.3), b.weight('fcb', [12], 0.1)], { transB: 1 }),
  );
  const r = await compileAndCompare(b, { samples: 32 });
  expect(r.count('TRANSPOSE')).toBe(0);
  expect(r.count('DEPTHWISE_CONV_2D')).toBe(4);
  expect(r.count('RELU')).toBe(0);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(1e-5);
});

test('ResNet-8 for CIFAR ([1,3,32,32], three residual stages, 1x1 strided shortcuts)', async () => {
  const b = new GraphBuilder(13, 22);
  let h = convBnRelu(b, b.input('image', [1, 3, 32, 32]), 3, 16, [3, 3], { pads: [1, 1, 1, 1] });
  let cin = 16;
  for (const [cout, stride] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ]) {
    const a = convBnRelu(b, h, cin, cout, [3, 3], { pads: [1, 1, 1, 1], strides: [stride, stride] });
    const i = b.model.graph.initializers.size;
    const main = b.node('Conv', [a, b.weight(`w${i}`, [cout, cout, 3, 3], 0.2), b.weight(`b${i}`, [cout], 0.1)], {
      pads: [1, 1, 1, 1],
    });
    const shortcut =
      stride === 1 && cin === cout
        ? h
        : b.node('Conv', [h, b.weight(`s${i}`, [cout, cin, 1, 1], 0.3), b.weight(`sb${i}`, [cout], 0.1)], {
            strides: [stride, stride],
          });
    h = b.node('Relu', [b.node('Add', [main, shortcut])]);
    cin = cout;
  }
  h = b.node('AveragePool', [h], { kernel_shape: [8, 8] });
  b.output(
    b.node(
      'Softmax',
      [
        b.node('Gemm', [b.node('Flatten', [h]), b.weight('fc', [10, 64], 0.3), b.weight('fcb', [10], 0.1)], {
          transB: 1,
        }),
      ],
      { axis: 1 },
    ),
  );
  const r = await compileAndCompare(b, { samples: 32 });
  expect(r.count('TRANSPOSE')).toBe(0);
  expect(r.count('ADD')).toBe(3);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(1e-5);
});
