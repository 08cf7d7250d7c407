import { Node } from '../../src/ir/types';
import { makeTensor } from '../../src/ir/tensor';
import { analyzeGraph } from '../../src/ops/shape-inference';
import { consumerMap, nameGenerator, producerMap, topologicalSort, uniqueName } from '../../src/ir/graph-utils';
import { OP_TABLE } from '../../src/ops/registry';
import { OpContext, TflmVerdict } from '../../src/ops/types';
import { graphModel, singleOpModel, SingleOpSpec } from '../helpers/build';

/** Inferred context of the single node of a model (as inspect and the back end see it). */
function contextOf(spec: SingleOpSpec): OpContext {
  const m = singleOpModel(spec);
  const a = analyzeGraph(m);
  const node = m.graph.nodes[0];
  return {
    node,
    opset: a.opset,
    inputs: node.inputs.map((i) => (i ? a.types.get(i) : undefined)),
    consts: node.inputs.map((i) => (i ? a.consts.get(i) : undefined)),
  };
}

function macsOf(spec: SingleOpSpec): number {
  const ctx = contextOf(spec);
  const def = OP_TABLE.get(spec.opType)!;
  return def.macs!(ctx, def.infer(ctx));
}

function verdict(spec: SingleOpSpec): TflmVerdict {
  const ctx = contextOf(spec);
  const def = OP_TABLE.get(spec.opType)!;
  return def.tflmFor ? def.tflmFor(ctx) : { support: def.tflm, note: def.tflmNote };
}

const x = (shape: number[]) => ({ name: 'x', dtype: 'float32' as const, shape });
const kf = (name: string, shape: number[]) => ({
  name,
  tensor: makeTensor('float32', shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(0.5)),
});
const scalar = (name: string, v: number) => ({ name, tensor: makeTensor('float32', [], [v]) });

describe('op table', () => {
  test('every entry is keyed by its own opType and declares a TFLM flag and note', () => {
    for (const [key, def] of OP_TABLE) {
      expect(def.opType).toBe(key);
      expect(['int8', 'folded', 'none']).toContain(def.tflm);
      expect(def.tflmNote.length).toBeGreaterThan(0);
      expect(typeof def.evaluate).toBe('function');
    }
    expect(OP_TABLE.size).toBeGreaterThanOrEqual(50);
  });

  test('MACs: Conv = outputs × Cin/group × kernel; Gemm/MatMul = M×N×K', () => {
    // 1×8×4×4 outputs (stride 2 on 8×8, pad 1), 3 input channels, 3×3 kernel.
    expect(
      macsOf({
        opType: 'Conv',
        inputs: [x([1, 3, 8, 8]), kf('w', [8, 3, 3, 3])],
        attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
      }),
    ).toBe(8 * 16 * 3 * 9);
    // depthwise: Cin/group = 1
    expect(macsOf({ opType: 'Conv', inputs: [x([1, 4, 6, 6]), kf('w', [4, 1, 3, 3])], attrs: { group: 4 } })).toBe(
      4 * 16 * 9,
    );
    expect(macsOf({ opType: 'Gemm', inputs: [x([2, 5]), kf('w', [7, 5])], attrs: { transB: 1 } })).toBe(2 * 7 * 5);
    expect(macsOf({ opType: 'MatMul', inputs: [x([3, 2, 5]), kf('w', [5, 4])] })).toBe(3 * 2 * 4 * 5);
  });

  test('per-node TFLM verdicts follow attributes and constants', () => {
    expect(verdict({ opType: 'Clip', opset: 11, inputs: [x([4]), scalar('lo', 0), scalar('hi', 6)] })).toEqual({
      support: 'int8',
      note: '→ RELU6',
    });
    expect(verdict({ opType: 'Clip', opset: 11, inputs: [x([4]), scalar('lo', 0), scalar('hi', 3)] }).support).toBe(
      'none',
    );
    expect(verdict({ opType: 'Div', inputs: [x([4]), scalar('d', 3)] }).support).toBe('int8');
    expect(verdict({ opType: 'Div', inputs: [x([4]), x([4])].map((v, i) => ({ ...v, name: `v${i}` })) }).support).toBe(
      'none',
    );
    expect(
      verdict({ opType: 'Conv', inputs: [x([1, 4, 6, 6]), kf('w', [4, 1, 3, 3])], attrs: { group: 4 } }).note,
    ).toMatch(/DEPTHWISE_CONV_2D/);
    expect(
      verdict({ opType: 'Conv', inputs: [x([1, 4, 6, 6]), kf('w', [4, 2, 3, 3])], attrs: { group: 2 } }).support,
    ).toBe('none');
    expect(verdict({ opType: 'MatMul', inputs: [x([1, 4]), kf('w', [4, 2])] }).note).toMatch(/FULLY_CONNECTED/);
    expect(
      verdict({ opType: 'ReduceMean', opset: 13, inputs: [x([1, 4, 3, 3])], attrs: { axes: [2, 3] } }).support,
    ).toBe('int8');
    expect(verdict({ opType: 'ReduceMean', opset: 13, inputs: [x([1, 4, 3, 3])], attrs: { axes: [1] } }).support).toBe(
      'none',
    );
    expect(verdict({ opType: 'Softmax', opset: 11, inputs: [x([1, 4, 3])], attrs: { axis: 1 } }).support).toBe('none');
    expect(verdict({ opType: 'Softmax', opset: 13, inputs: [x([1, 4, 3])] }).support).toBe('int8');
  });
});

describe('graph utilities', () => {
  const m = graphModel({
    inputs: [{ name: 'x', shape: [2] }],
    nodes: [
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'n2' },
      { op: 'Neg', inputs: ['x'], outputs: ['a'], name: 'n1' },
      { op: 'Add', inputs: ['a', 'a'], outputs: ['y'], name: 'n3' },
      { op: 'Add', inputs: ['b', 'y'], outputs: ['z'], name: 'n4' },
    ],
    outputs: ['z'],
  });
  const names = (ns: Node[]) => ns.map((n) => n.name);

  test('topological sort is stable: keeps the given order where it is valid', () => {
    expect(names(topologicalSort(m.graph))).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  test('producer and consumer maps', () => {
    expect(producerMap(m.graph).get('a')!.name).toBe('n1');
    expect(names(consumerMap(m.graph).get('a')!)).toEqual(['n2', 'n3']);
    expect(consumerMap(m.graph).get('z')).toBeUndefined();
  });

  test('fresh names avoid every value and node name', () => {
    expect(uniqueName(m.graph, 'a')).toBe('a_1');
    expect(uniqueName(m.graph, 'n1')).toBe('n1_1');
    expect(uniqueName(m.graph, 'fresh')).toBe('fresh');
    const gen = nameGenerator(m.graph);
    expect([gen('b'), gen('b'), gen('q')]).toEqual(['b_1', 'b_2', 'q']);
  });
});
