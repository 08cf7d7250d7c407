import './helpers/realm';
import { compileFloat } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import { GraphBuilder } from './helpers/graph';
import { compareWithOnnx } from './helpers/compare';

test('conv relu pool flatten gemm', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 8, 8]);
  let h = b.node('Conv', [x, b.weight('w1', [4, 3, 3, 3]), b.weight('b1', [4])], { pads: [1, 1, 1, 1] });
  h = b.node('Relu', [h]);
  h = b.node('MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
  h = b.node('Flatten', [h]);
  h = b.node('Gemm', [h, b.weight('w2', [5, 64]), b.weight('b2', [5])], { transB: 1 });
  b.output(h);
  const bytes = b.bytes();
  const c = compileFloat(bytes);
  console.log(c.graph.ops.map((o) => o.op + JSON.stringify(o.options)).join('\n'));
  const tfl = serialize(c.graph);
  const r = await compareWithOnnx(bytes, tfl, c.graph, { samples: 4 });
  console.log(r);
  expect(r.worstRelative).toBeLessThan(1e-5);
});
