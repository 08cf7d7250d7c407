import { PASS_TABLE } from '../../src/passes/registry';
import { MAX_FOLDED_ELEMENTS } from '../../src/passes/constant-folding';
import { checkPass, opsOf } from './support/check-pass';
import { constChain, torchFixture } from './support/fixtures';

describe('constant-folding', () => {
  it('folds constant chains to initializers and keeps a broadcast too large to materialise', async () => {
    const after = await checkPass('constant-folding', 'constant-folding_chain', constChain());
    expect(opsOf(after)).toEqual(['MatMul', 'Relu', 'Add', 'Relu']);
    expect(after.graph.initializers.get('w_scaled')?.shape).toEqual([6, 4]);
    expect(1025 * 1024).toBeGreaterThan(MAX_FOLDED_ELEMENTS);
    expect(after.graph.initializers.has('big_c')).toBe(false);
  });

  it('folds the Constant/Cast/Unsqueeze/Concat nodes of a PyTorch export', async () => {
    const before = torchFixture('torch_convbn');
    const after = await checkPass('constant-folding', 'constant-folding_torch', before);
    expect(opsOf(after)).not.toContain('Constant');
    expect(opsOf(after)).not.toContain('Cast');
    // The Concat reads the Shape chain, which is not constant until shape-folding runs.
    expect(opsOf(after)).toContain('Concat');
  });

  it('is a no-op on a graph without constant nodes', () => {
    const m = constChain();
    const once = PASS_TABLE['constant-folding'].run(m);
    expect(PASS_TABLE['constant-folding'].run(once)).toBe(once);
  });
});
