import { PASS_TABLE } from '../../src/passes/registry';
import { checkPass, opsOf } from './support/check-pass';
import { deadBranch } from './support/fixtures';

describe('dead-node-removal', () => {
  it('removes nodes reaching no output, unused initializers and stale value infos', async () => {
    const after = await checkPass('dead-node-removal', 'dead-node-removal_branch', deadBranch());
    expect(opsOf(after)).toEqual(['Mul', 'Relu']);
    expect([...after.graph.initializers.keys()]).toEqual(['k']);
    expect(after.graph.valueInfo.has('gone')).toBe(false);
    expect(PASS_TABLE['dead-node-removal'].run(after)).toBe(after);
  });
});
