import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { bnConv, bnDense, torchFixture } from './support/fixtures';

describe('batchnorm-folding', () => {
  it('folds BatchNormalization into Conv and depthwise Conv, not when the conv output is shared', async () => {
    const after = await checkPass('batchnorm-folding', 'batchnorm-folding_conv', bnConv());
    expect(opsOf(after)).toEqual(['Conv', 'Relu', 'Conv', 'Conv', 'BatchNormalization', 'Add']);
    expect(after.graph.nodes[2].outputs).toEqual(['y']);
  });

  it('folds BatchNormalization into Gemm, MatMul and MatMul+Add', async () => {
    const after = await checkPass('batchnorm-folding', 'batchnorm-folding_dense', bnDense());
    expect(opsOf(after)).toEqual(['Gemm', 'MatMul', 'Add', 'MatMul', 'Add']);
  });

  it('folds the Conv and Gemm BatchNormalizations of a PyTorch export', async () => {
    const before = torchFixture('torch_convbn');
    const after = await checkPass('batchnorm-folding', 'batchnorm-folding_torch', before);
    expect(opsOf(before).filter((o) => o === 'BatchNormalization').length).toBe(3);
    expect(opsOf(after)).not.toContain('BatchNormalization');
  });

  it('leaves a BatchNormalization in training mode alone', () => {
    const m = bnConv();
    m.graph.nodes = m.graph.nodes.map((n) =>
      n.opType === 'BatchNormalization' ? { ...n, attrs: { ...n.attrs, training_mode: { kind: 'int', value: 1 } } } : n,
    );
    expect(PASS_TABLE['batchnorm-folding'].run(m)).toBe(m);
  });
});
