import { readFileSync } from 'fs';
import { join } from 'path';
import { Model } from '../../../src/ir/types';
import { makeTensor } from '../../../src/ir/tensor';
import { readOnnx } from '../../../src/onnx/reader';
import { float, int, ints, ModelBuilder, tensorAttr } from './build';

export const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'passes');

/** A model exported by PyTorch 1.13 (see test/fixtures/passes/make.py). */
export function torchFixture(name: 'torch_convbn' | 'torch_convbn_dropout_opset11'): Model {
  const file = join(FIXTURE_DIR, `${name}.onnx`);
  return readOnnx(readFileSync(file), file);
}

/**
 * Identity, Cast to the same dtype, Dropout (opset 13: unused mask, training_mode constant false),
 * a pass-through feeding a graph output, and one Identity that must stay (graph input → graph output).
 */
export function identityChain(): Model {
  return new ModelBuilder(13)
    .input('x', [1, 8])
    .output('y', [1, 8])
    .output('x_copy', [1, 8])
    .init('ratio', makeTensor('float32', [], [0.3]))
    .init('no_training', makeTensor('bool', [], [0]))
    .node('Identity', ['x'], ['a'])
    .node('Relu', ['a'], ['b'])
    .node('Cast', ['b'], ['c'], { to: int(1) })
    .node('Dropout', ['c', 'ratio', 'no_training'], ['d', 'd_mask'])
    .node('Dropout', ['d'], ['e'])
    .node('Sigmoid', ['e'], ['f'])
    .node('Identity', ['f'], ['y'])
    .node('Identity', ['x'], ['x_copy'])
    .build();
}

/** Shape of a static tensor and Gather(Shape) of a static dim under a symbolic batch, both feeding Reshape. */
export function shapeChain(): Model {
  return new ModelBuilder(13)
    .input('x', [1, 4, 6])
    .input('z', ['N', 3, 5])
    .output('y', [1, 24])
    .output('w', null)
    .init('idx0', makeTensor('int64', [], [0]))
    .init('idx1', makeTensor('int64', [1], [1]))
    .init('idx2', makeTensor('int64', [1], [2]))
    .init('axes0', makeTensor('int64', [1], [0]))
    .init('minus1', makeTensor('int64', [1], [-1]))
    .node('Shape', ['x'], ['sx'])
    .node('Gather', ['sx', 'idx0'], ['n'], { axis: int(0) })
    .node('Unsqueeze', ['n', 'axes0'], ['n1'])
    .node('Concat', ['n1', 'minus1'], ['target'], { axis: int(0) })
    .node('Reshape', ['x', 'target'], ['y'])
    .node('Shape', ['z'], ['sz'])
    .node('Gather', ['sz', 'idx1'], ['h'], { axis: int(0) })
    .node('Gather', ['sz', 'idx2'], ['wd'], { axis: int(0) })
    .node('Mul', ['h', 'wd'], ['hw'])
    .node('Concat', ['minus1', 'hw'], ['target_z'], { axis: int(0) })
    .node('Reshape', ['z', 'target_z'], ['w'])
    .build();
}

/**
 * Constant subgraphs: Constant → Cast → Mul into a scale, a transposed weight into MatMul, and an
 * Add of two constants whose broadcast result (1025×1024, just over the limit) is too big to fold; plus live nodes.
 */
export function constChain(): Model {
  return new ModelBuilder(13, 3)
    .input('x', [2, 6])
    .output('y', [2, 4])
    .output('big', [1025, 1024])
    .random('w_t', [4, 6])
    .init('two', makeTensor('int64', [], [2]))
    .random('col', [1025, 1])
    .random('row', [1, 1024])
    .node('Constant', [], ['half'], { value: tensorAttr(makeTensor('float32', [], [0.5])) })
    .node('Cast', ['two'], ['two_f'], { to: int(1) })
    .node('Mul', ['half', 'two_f'], ['one'])
    .node('Transpose', ['w_t'], ['w'], { perm: ints([1, 0]) })
    .node('Mul', ['w', 'one'], ['w_scaled'])
    .node('MatMul', ['x', 'w_scaled'], ['xw'])
    .node('Relu', ['xw'], ['y'])
    .node('Add', ['col', 'row'], ['big_c'])
    .node('Relu', ['big_c'], ['big'])
    .build();
}

/** Conv(+bias)→BN, depthwise Conv(no bias)→BN, and a Conv whose output also feeds a skip path (BN must stay). */
export function bnConv(): Model {
  const b = new ModelBuilder(13, 5).input('x', [1, 3, 6, 6]).output('y', [1, 4, 6, 6]).output('skip', [1, 4, 6, 6]);
  b.random('w1', [4, 3, 3, 3], -0.5, 0.5).random('b1', [4]);
  b.random('w2', [4, 1, 3, 3], -0.5, 0.5);
  b.random('w3', [4, 4, 1, 1], -0.5, 0.5);
  const conv = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) };
  return b
    .node('Conv', ['x', 'w1', 'b1'], ['c1'], conv)
    .node('BatchNormalization', ['c1', ...b.bnParams('bn1', 4)], ['n1'], { epsilon: float(1e-3) })
    .node('Relu', ['n1'], ['r1'])
    .node('Conv', ['r1', 'w2'], ['c2'], { ...conv, group: int(4) })
    .node('BatchNormalization', ['c2', ...b.bnParams('bn2', 4)], ['y'])
    .node('Conv', ['r1', 'w3'], ['c3'], { kernel_shape: ints([1, 1]) })
    .node('BatchNormalization', ['c3', ...b.bnParams('bn3', 4)], ['n3'])
    .node('Add', ['n3', 'c3'], ['skip'])
    .build();
}

/** Gemm(transB=0, alpha, beta, C[1,N])→BN, MatMul→BN and MatMul→Add(bias)→BN on [M,K] activations. */
export function bnDense(): Model {
  const b = new ModelBuilder(13, 7).input('x', [3, 5]).output('y1', [3, 6]).output('y2', [3, 4]).output('y3', [3, 4]);
  b.random('g_w', [5, 6]).random('g_c', [1, 6]).random('m_w', [5, 4]).random('a_w', [5, 4]).random('a_b', [4]);
  return b
    .node('Gemm', ['x', 'g_w', 'g_c'], ['g'], { alpha: float(0.5), beta: float(2) })
    .node('BatchNormalization', ['g', ...b.bnParams('bn_g', 6)], ['y1'])
    .node('MatMul', ['x', 'm_w'], ['m'])
    .node('BatchNormalization', ['m', ...b.bnParams('bn_m', 4)], ['y2'])
    .node('MatMul', ['x', 'a_w'], ['a'])
    .node('Add', ['a_b', 'a'], ['ab'])
    .node('BatchNormalization', ['ab', ...b.bnParams('bn_a', 4)], ['y3'])
    .build();
}

/** BatchNormalization on a graph input (rank 4) and after Sigmoid (rank 2): nothing to fold into. */
export function bnStandalone(): Model {
  const b = new ModelBuilder(13, 9)
    .input('x', [2, 3, 4, 4])
    .input('v', [2, 5])
    .output('y', [2, 3, 4, 4])
    .output('u', [2, 5]);
  return b
    .node('BatchNormalization', ['x', ...b.bnParams('bn_x', 3)], ['y'], { epsilon: float(1e-3) })
    .node('Sigmoid', ['v'], ['s'])
    .node('BatchNormalization', ['s', ...b.bnParams('bn_s', 5)], ['u'])
    .build();
}

/** The Gemm/MatMul forms gemm-normalization rewrites, and one it must leave (per-row bias C[M,N]). */
export function gemmForms(): Model {
  const b = new ModelBuilder(13, 11)
    .input('x', [3, 5])
    .input('xt', [5, 3])
    .output('y1', [3, 4])
    .output('y2', [3, 4])
    .output('y3', [3, 2])
    .output('y4', [3, 2])
    .output('y5', [3, 2]);
  b.random('w1', [5, 4])
    .random('b1', [1, 4])
    .random('w2', [5, 4])
    .random('w3', [5, 2])
    .random('c3', [])
    .random('w4', [2, 5])
    .random('w5', [2, 5])
    .random('c5', [3, 2]);
  return b
    .node('MatMul', ['x', 'w1'], ['m1'])
    .node('Add', ['b1', 'm1'], ['y1'])
    .node('MatMul', ['x', 'w2'], ['y2'])
    .node('Gemm', ['xt', 'w3', 'c3'], ['y3'], { transA: int(1), alpha: float(1.5), beta: float(-0.5) })
    .node('Gemm', ['x', 'w4'], ['y4'], { transB: int(1) })
    .node('Gemm', ['x', 'w5', 'c5'], ['y5'], { transB: int(1) })
    .build();
}

/** A dead branch, an unused initializer and a stale value info next to a live chain. */
export function deadBranch(): Model {
  const m = new ModelBuilder(13, 13)
    .input('x', [2, 3])
    .output('y', [2, 3])
    .random('k', [3])
    .random('unused', [7])
    .node('Mul', ['x', 'k'], ['xk'])
    .node('Relu', ['xk'], ['y'])
    .node('Sigmoid', ['x'], ['dead1'])
    .node('Add', ['dead1', 'k'], ['dead2'])
    .build();
  m.graph.valueInfo.set('gone', { name: 'gone', dtype: 'float32', shape: [1] });
  return m;
}
