import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { float, int, ModelBuilder } from './support/build';

/** LayerNormalization over the last axis (opset 17) and over the last two (opset 18, ReduceMean takes axes as an input). */
function layerNorm(opset: 17 | 18) {
  const b = new ModelBuilder(opset, 5)
    .input('x', [2, 3, 4, 6])
    .output('y', [2, 3, 4, 6])
    .random('gamma', opset === 17 ? [6] : [4, 6])
    .random('beta', opset === 17 ? [6] : [4, 6]);
  return b
    .node(
      'LayerNormalization',
      ['x', 'gamma', 'beta'],
      ['y'],
      { axis: int(opset === 17 ? -1 : 2), epsilon: float(1e-3) },
      'ln',
    )
    .build();
}

describe('layernorm-decomposition', () => {
  it.each([17, 18] as const)(
    'rewrites an opset-%i LayerNormalization as the pre-17 export form, same outputs',
    async (opset) => {
      const after = await checkPass(
        'layernorm-decomposition',
        `layernorm-decomposition_opset${opset}`,
        layerNorm(opset),
      );
      expect(opsOf(after)).toEqual(['ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Add']);
      expect(PASS_TABLE['layernorm-decomposition'].run(after)).toBe(after);
    },
  );

  it('leaves a LayerNormalization whose Mean/InvStdDev outputs are used', () => {
    const b = new ModelBuilder(17, 5).input('x', [2, 6]).output('y', [2, 6]).output('m', [2, 1]).random('gamma', [6]);
    const m = b.node('LayerNormalization', ['x', 'gamma'], ['y', 'm'], {}, 'ln').build();
    expect(PASS_TABLE['layernorm-decomposition'].run(m)).toBe(m);
  });
});
