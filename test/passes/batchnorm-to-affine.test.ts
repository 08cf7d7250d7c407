import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { bnConv, bnStandalone } from './support/fixtures';

describe('batchnorm-to-affine', () => {
  it('rewrites BatchNormalizations with nothing to fold into as Mul + Add', async () => {
    const after = await checkPass('batchnorm-to-affine', 'batchnorm-to-affine_standalone', bnStandalone());
    expect(opsOf(after)).toEqual(['Mul', 'Add', 'Sigmoid', 'Mul', 'Add']);
    expect(after.graph.initializers.get('BatchNormalization_0_scale')?.shape).toEqual([3, 1, 1]);
  });

  it('touches only the BatchNormalization batchnorm-folding cannot absorb', async () => {
    const after = await checkPass('batchnorm-to-affine', 'batchnorm-to-affine_conv', bnConv());
    expect(opsOf(after).filter((o) => o === 'BatchNormalization').length).toBe(2);
    expect(PASS_TABLE['batchnorm-to-affine'].run(after)).toBe(after);
  });
});
