import { dumpGraph } from '../../../src/ir/dump';
import { inferShapes } from '../../../src/ops/shape-inference';
import { Model } from '../../../src/ir/types';
import { PASS_TABLE } from '../../../src/passes/registry';
import { expectGolden } from './golden';
import { expectSameOutputs } from './reference';

export function opsOf(m: Model): string[] {
  return m.graph.nodes.map((n) => n.opType);
}

/**
 * Runs one pass on a fixture and checks what every pass must satisfy: the input model is left
 * untouched, the graph changed, the dump (with inferred shapes) matches the golden file, and
 * onnxruntime gives the same outputs before and after on seeded random inputs.
 */
export async function checkPass(passName: string, golden: string, model: Model, dynamicDim = 2): Promise<Model> {
  const pass = PASS_TABLE[passName];
  expect(pass).toBeDefined();
  const beforeDump = dumpGraph(model);
  const after = pass.run(model);
  expect(dumpGraph(model)).toBe(beforeDump);
  expect(after).not.toBe(model);
  expectGolden(golden, dumpGraph(inferShapes(after)));
  await expectSameOutputs(model, after, 42, dynamicDim);
  return after;
}
