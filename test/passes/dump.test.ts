import { dumpGraph } from '../../src/ir/dump';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { ModelBuilder, int, float } from './support/build';
import { makeTensor } from '../../src/ir/tensor';
import { createHash } from 'crypto';

function sample(order: 'forward' | 'reversed') {
  const b = new ModelBuilder(13)
    .input('x', ['N', 3])
    .output('y', ['N', 2])
    .init('w', makeTensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]))
    .init('a', makeTensor('int64', [1], [7]));
  const nodes: [string, string[], string[], Record<string, ReturnType<typeof int>>, string][] = [
    ['Gemm', ['x', 'w'], ['g'], { transB: int(1), alpha: float(0.25) }, 'gemm'],
    ['Relu', ['g'], ['y'], {}, 'relu'],
  ];
  for (const n of order === 'forward' ? nodes : [...nodes].reverse()) b.node(...n);
  return b.build();
}

describe('dumpGraph', () => {
  it('prints a stable text form: sorted initializers with checksums, topological nodes, sorted attributes', () => {
    const m = sample('forward');
    m.graph.valueInfo.set('g', { name: 'g', dtype: 'float32', shape: ['N', 2] });
    expect(dumpGraph(m)).toBe(
      [
        'model ir=8 producer="edgelock-test 1"',
        'opset ai.onnx=13',
        'input x: float32[N,3]',
        'output y: float32[N,2]',
        // SHA-256 of the little-endian bytes of the values, first 8 hex digits.
        `init a: int64[1] sha256=${createHash('sha256')
          .update(Buffer.from(new BigInt64Array([7n]).buffer))
          .digest('hex')
          .slice(0, 8)}`,
        `init w: float32[2,3] sha256=${createHash('sha256')
          .update(Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer))
          .digest('hex')
          .slice(0, 8)}`,
        'node gemm: Gemm(x, w) -> (g) alpha=0.25 transB=1',
        '  g: float32[N,2]',
        'node relu: Relu(g) -> (y)',
        '',
      ].join('\n'),
    );
  });

  it('does not depend on the stored node order, map order or an ONNX round trip', () => {
    const forward = dumpGraph(sample('forward'));
    expect(dumpGraph(sample('reversed'))).toBe(forward);
    expect(dumpGraph(readOnnx(writeOnnx(sample('forward'))))).toBe(forward);
  });

  it('changes when a weight value changes', () => {
    const m = sample('forward');
    const before = dumpGraph(m);
    m.graph.initializers.set('w', makeTensor('float32', [2, 3], [1, 2, 3, 4, 5, 6.0001]));
    expect(dumpGraph(m)).not.toBe(before);
  });
});
