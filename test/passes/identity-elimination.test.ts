import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { int, ModelBuilder } from './support/build';
import { identityChain, torchFixture } from './support/fixtures';

describe('identity-elimination', () => {
  it('removes Identity, same-dtype Cast and inference Dropout, keeping graph output names', async () => {
    const after = await checkPass('identity-elimination', 'identity-elimination_chain', identityChain());
    expect(opsOf(after)).toEqual(['Relu', 'Sigmoid', 'Identity']);
    // y is now written by the Sigmoid itself; the graph-input → graph-output Identity must stay.
    expect(after.graph.nodes.find((n) => n.opType === 'Sigmoid')?.outputs).toEqual(['y']);
    expect(after.graph.nodes.find((n) => n.opType === 'Identity')?.inputs).toEqual(['x']);
  });

  it('removes the Dropout (unused mask) of a PyTorch opset-11 export and keeps its dtype-changing Casts', async () => {
    const before = torchFixture('torch_convbn_dropout_opset11');
    const after = await checkPass('identity-elimination', 'identity-elimination_torch_opset11', before);
    expect(opsOf(before)).toContain('Dropout');
    expect(opsOf(after)).not.toContain('Dropout');
    // PyTorch's Clip bounds are float64 constants cast to float32: real conversions, so they stay.
    expect(opsOf(after).filter((o) => o === 'Cast').length).toBe(opsOf(before).filter((o) => o === 'Cast').length);
  });

  it('keeps a Dropout whose mask is a graph output, and Casts that change the dtype', () => {
    const m = new ModelBuilder(13)
      .input('x', [1, 8])
      .output('y', [1, 8])
      .output('mask', [1, 8], 'bool')
      .node('Cast', ['x'], ['x64'], { to: int(11) })
      .node('Cast', ['x64'], ['x32'], { to: int(1) })
      .node('Dropout', ['x32'], ['y', 'mask'])
      .build();
    expect(PASS_TABLE['identity-elimination'].run(m)).toBe(m);
  });
});
