/** Hostile ONNX models for the hardening tests (test/cli/hardening.test.ts): each is small and attacks one boundary. */
import { makeTensor } from '../../src/ir/tensor';
import { Graph, Model, Node, Tensor, ValueInfo } from '../../src/ir/types';
import { writeOnnx } from '../../src/onnx/writer';
import { onnx } from 'onnx-proto';

export function model(g: Partial<Graph> & { nodes: Node[] }, opset = 13): Model {
  return {
    irVersion: 8,
    producerName: 'hostile',
    producerVersion: '',
    domain: '',
    modelVersion: 1,
    docString: '',
    opsetImports: [{ domain: '', version: opset }],
    metadata: {},
    graph: {
      name: 'g',
      inputs: [],
      outputs: [],
      initializers: new Map<string, Tensor>(),
      valueInfo: new Map<string, ValueInfo>(),
      ...g,
    },
  };
}

const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({
  name,
  opType,
  domain: '',
  inputs,
  outputs,
  attrs,
});
const f32 = (name: string, shape: (number | string | null)[]): ValueInfo => ({ name, dtype: 'float32', shape });

/**
 * `Expand` of a 65000-element constant to [1024, 65000] (254 MiB of float32), `copies` times over: a file of about
 * 1 KB that asks constant evaluation for copies × 254 MiB.
 */
export function expandBomb(copies = 40): Uint8Array {
  const nodes: Node[] = [node('seed', 'Expand', ['one', 'wide'], ['row'])];
  for (let i = 0; i < copies; i++) nodes.push(node(`bomb_${i}`, 'Expand', ['row', 'big'], [`big_${i}`]));
  nodes.push(node('out', 'Add', ['x', 'one'], ['y']));
  return writeOnnx(
    model({
      nodes,
      inputs: [f32('x', [1])],
      outputs: [f32('y', [1])],
      initializers: new Map([
        ['one', makeTensor('float32', [1], [1])],
        ['wide', makeTensor('int64', [1], [65000])],
        ['big', makeTensor('int64', [2], [1024, 65000])],
      ]),
    }),
  );
}

/** A dense layer x[1,4] · W[4,3] + b, the base the structural attacks below break. */
function dense(): Model {
  return model({
    nodes: [node('mm', 'MatMul', ['x', 'W'], ['h']), node('add', 'Add', ['h', 'b'], ['y'])],
    inputs: [f32('x', [1, 4])],
    outputs: [f32('y', [1, 3])],
    initializers: new Map([
      [
        'W',
        makeTensor(
          'float32',
          [4, 3],
          Array.from({ length: 12 }, (_, i) => (i % 5) / 7 - 0.3),
        ),
      ],
      ['b', makeTensor('float32', [3], [0.1, -0.2, 0.3])],
    ]),
  });
}

export function denseModel(): Uint8Array {
  return writeOnnx(dense());
}

/** The dense model with no graph outputs. */
export function noOutputs(): Uint8Array {
  const m = dense();
  m.graph.outputs = [];
  return writeOnnx(m);
}

/** Two nodes feeding each other. */
export function cycle(): Uint8Array {
  const m = dense();
  m.graph.nodes = [
    node('mm', 'MatMul', ['x', 'W'], ['h']),
    node('a', 'Add', ['h', 'c'], ['y']),
    node('c', 'Relu', ['y'], ['c']),
  ];
  return writeOnnx(m);
}

/** A node consuming a value nothing defines. */
export function dangling(): Uint8Array {
  const m = dense();
  m.graph.nodes[1] = node('add', 'Add', ['h', 'nowhere'], ['y']);
  return writeOnnx(m);
}

/** A graph input with a dimension of 2^63 − 1. */
export function hugeDim(): Uint8Array {
  const m = dense();
  m.graph.inputs = [f32('x', [1, '__HUGE__'])];
  const bytes = writeOnnx(m);
  // the IR's dims are JS numbers; write the int64 maximum into the protobuf directly
  const proto = onnx.ModelProto.decode(bytes);
  proto.graph!.input![0].type!.tensorType!.shape!.dim![1] = { dimValue: '9223372036854775807' };
  return onnx.ModelProto.encode(proto).finish();
}

/** The dense model declaring an output shape [1, 5] it does not produce ([1, 3]): onnxruntime logs a warning per run. */
export function wrongDeclaredOutput(): Uint8Array {
  const m = dense();
  m.graph.outputs = [f32('y', [1, 5])];
  return writeOnnx(m);
}

/** The dense model followed by a Relu carrying an attribute Relu does not have: edgelock ignores it, onnxruntime refuses to load. */
export function unknownAttribute(): Uint8Array {
  const m = dense();
  m.graph.nodes[1] = node('add', 'Add', ['h', 'b'], ['z']);
  m.graph.nodes.push(node('relu', 'Relu', ['z'], ['y'], { bogus: { kind: 'int', value: 1 } } as Node['attrs']));
  return writeOnnx(m);
}

/** The dense model with an initializer no node uses: onnxruntime logs a warning while loading it. */
export function unusedInitializer(): Uint8Array {
  const m = dense();
  m.graph.initializers.set('unused', makeTensor('float32', [2], [1, 2]));
  return writeOnnx(m);
}

/** x[1, 4] gathered at index 7 of axis 1: shapes infer ([1, 1]), onnxruntime fails at run time and logs the failure natively. */
export function gatherOutOfRange(): Uint8Array {
  return writeOnnx(
    model({
      nodes: [node('gather', 'Gather', ['x', 'idx'], ['y'], { axis: { kind: 'int', value: 1 } } as Node['attrs'])],
      inputs: [f32('x', [1, 4])],
      outputs: [f32('y', [1, 1])],
      initializers: new Map([['idx', makeTensor('int64', [1], [7])]]),
    }),
  );
}

/** `n` Relus in a chain: `inspect --graph` prints far more than a pipe buffer (64 KiB). */
export function reluChain(n: number): Uint8Array {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++)
    nodes.push(node(`relu_${i}`, 'Relu', [i ? `v${i}` : 'x'], [i === n - 1 ? 'y' : `v${i + 1}`]));
  return writeOnnx(model({ nodes, inputs: [f32('x', [1, 4])], outputs: [f32('y', [1, 4])] }));
}
