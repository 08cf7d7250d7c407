import { checkPass, opsOf } from './support/check-pass';
import { shapeChain, torchFixture } from './support/fixtures';

describe('shape-folding', () => {
  it('folds Shape of a static value and Gather of static dims under a symbolic batch', async () => {
    const after = await checkPass('shape-folding', 'shape-folding_chain', shapeChain(), 3);
    // The static Shape and all Gathers are constants now; only the Shape of the symbolic-batch input stays (unused).
    expect(opsOf(after).filter((o) => o === 'Gather')).toEqual([]);
    expect(opsOf(after).filter((o) => o === 'Shape').length).toBe(1);
    expect(after.graph.nodes.find((n) => n.opType === 'Shape')?.inputs).toEqual(['z']);
  });

  it('folds the Shape of the flatten chain in a PyTorch export', async () => {
    const before = torchFixture('torch_convbn');
    const after = await checkPass('shape-folding', 'shape-folding_torch', before);
    expect(opsOf(before)).toContain('Shape');
    expect(opsOf(after)).not.toContain('Shape');
  });
});
