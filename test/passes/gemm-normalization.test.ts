import { Model } from '../../src/ir/types';
import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { gemmForms, torchFixture } from './support/fixtures';

/** Every Gemm except the listed outputs is in the documented canonical form (ONNX attribute defaults apply). */
function expectCanonical(m: Model, except: string[] = []): void {
  for (const n of m.graph.nodes.filter((x) => x.opType === 'Gemm' && !except.includes(x.outputs[0]))) {
    const attr = (k: string, dflt: number) => (n.attrs[k] ? (n.attrs[k] as { value: number }).value : dflt);
    expect([attr('transA', 0), attr('transB', 0), attr('alpha', 1), attr('beta', 1)]).toEqual([0, 1, 1, 1]);
    const b = m.graph.initializers.get(n.inputs[1])!;
    const c = m.graph.initializers.get(n.inputs[2])!;
    expect(c.shape).toEqual([b.shape[0]]);
  }
}

describe('gemm-normalization', () => {
  it('rewrites MatMul(+Add) and non-canonical Gemms into Gemm(A, B[N,K], C[N], transB=1)', async () => {
    const after = await checkPass('gemm-normalization', 'gemm-normalization_forms', gemmForms());
    expect(opsOf(after)).toEqual(['Gemm', 'Gemm', 'Transpose', 'Gemm', 'Gemm', 'Gemm']);
    expectCanonical(after, ['y5']);
    // A bias that differs per row cannot become C[N]: that Gemm is left as it was.
    expect(after.graph.nodes.find((n) => n.outputs[0] === 'y5')?.inputs).toEqual(['x', 'w5', 'c5']);
    expect(PASS_TABLE['gemm-normalization'].run(after)).toBe(after);
  });

  it('canonicalises the Gemm and the MatMul+Add head of a PyTorch export', async () => {
    const before = torchFixture('torch_convbn');
    const after = await checkPass('gemm-normalization', 'gemm-normalization_torch', before);
    expect(opsOf(after)).not.toContain('MatMul');
    expectCanonical(after);
  });
});
