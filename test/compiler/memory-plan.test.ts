import * as fs from 'fs';
import * as path from 'path';
import { compileFloat } from '../../src/compiler/compile-float';
import { planMemory, PlannableGraph } from '../../src/compiler/memory-plan';
import { plannable } from '../../src/compiler/plannable';

const t = (name: string, bytes: number, constant = false) => ({ name, bytes, constant });

test('a chain reuses memory: only neighbours are live together', () => {
  // in(100) → a(200) → b(50) → out(300), each op reads the previous tensor and a constant
  const g: PlannableGraph = {
    tensors: [t('in', 100), t('a', 200), t('b', 50), t('out', 300), t('w', 1000, true)],
    ops: [
      { inputs: [0, 4], outputs: [1] },
      { inputs: [1, 4], outputs: [2] },
      { inputs: [2, 4], outputs: [3] },
    ],
    inputs: [0],
    outputs: [3],
  };
  const plan = planMemory(g);
  // sizes rounded up to 16: in 112, a 208, b 64, out 304; largest live pair: b + out = 368
  expect(plan.unplannedBytes).toBe(112 + 208 + 64 + 304);
  expect(plan.arenaBytes).toBe(368);
  expect(plan.allocations.map((a) => a.name)).toEqual(['in', 'a', 'b', 'out']);
  for (const a of plan.allocations) expect(a.offset % 16).toBe(0);
});

test('a skip connection keeps its tensor live across the branch', () => {
  const g: PlannableGraph = {
    tensors: [t('x', 64), t('a', 64), t('b', 64), t('y', 64)],
    ops: [
      { inputs: [0], outputs: [1] },
      { inputs: [1], outputs: [2] },
      { inputs: [2, 0], outputs: [3] },
    ],
    inputs: [0],
    outputs: [3],
  };
  // during op 1 x, a and b are all live
  expect(planMemory(g).arenaBytes).toBe(192);
});

test('no two simultaneously live tensors overlap in a zoo model plan', () => {
  const file = path.resolve(__dirname, '../../models/pytorch/torch-cnn-opset13.onnx');
  const g = compileFloat(new Uint8Array(fs.readFileSync(file))).graph;
  const plan = planMemory(plannable(g));
  const a = plan.allocations;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const live = a[i].firstOp <= a[j].lastOp && a[j].firstOp <= a[i].lastOp;
      const overlap = a[i].offset < a[j].offset + a[j].bytes && a[j].offset < a[i].offset + a[i].bytes;
      expect(live && overlap).toBe(false);
    }
  }
  const largest = Math.max(...a.map((x) => x.bytes));
  expect(plan.arenaBytes).toBeGreaterThanOrEqual(largest);
  expect(plan.arenaBytes).toBeLessThan(plan.unplannedBytes);
});
