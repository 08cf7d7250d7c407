import { Attr, Dim, DType, Model, Node, Tensor } from '../../../src/ir/types';
import { makeTensor, shapeSize } from '../../../src/ir/tensor';
import { rng, uniform } from './rng';

export const int = (value: number): Attr => ({ kind: 'int', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const ints = (value: number[]): Attr => ({ kind: 'ints', value });
export const tensorAttr = (value: Tensor): Attr => ({ kind: 'tensor', value });

/** Builds small IR models for pass fixtures; seeded random initializers. */
export class ModelBuilder {
  private readonly nodes: Node[] = [];
  private readonly model: Model;
  private readonly next: () => number;

  constructor(opset = 13, seed = 1) {
    this.next = rng(seed);
    this.model = {
      irVersion: 8,
      producerName: 'edgelock-test',
      producerVersion: '1',
      domain: '',
      modelVersion: 1,
      docString: '',
      opsetImports: [{ domain: '', version: opset }],
      metadata: {},
      graph: {
        name: 'fixture',
        nodes: this.nodes,
        inputs: [],
        outputs: [],
        initializers: new Map(),
        valueInfo: new Map(),
      },
    };
  }

  input(name: string, shape: Dim[], dtype: DType = 'float32'): this {
    this.model.graph.inputs.push({ name, dtype, shape });
    return this;
  }

  output(name: string, shape: Dim[] | null, dtype: DType = 'float32'): this {
    this.model.graph.outputs.push({ name, dtype, shape });
    return this;
  }

  init(name: string, t: Tensor): this {
    this.model.graph.initializers.set(name, t);
    return this;
  }

  /** A float32 initializer of uniform random values in [lo, hi). */
  random(name: string, shape: number[], lo = -1, hi = 1): this {
    return this.init(name, makeTensor('float32', shape, uniform(this.next, shapeSize(shape), lo, hi)));
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, name?: string): this {
    this.nodes.push({ name: name ?? `${opType}_${this.nodes.length}`, opType, domain: '', inputs, outputs, attrs });
    return this;
  }

  /** BatchNormalization parameters name_{scale,bias,mean,var} with C channels (variance in [0.5, 1.5)). */
  bnParams(name: string, c: number): string[] {
    this.random(`${name}_scale`, [c], 0.5, 1.5)
      .random(`${name}_bias`, [c])
      .random(`${name}_mean`, [c])
      .random(`${name}_var`, [c], 0.5, 1.5);
    return [`${name}_scale`, `${name}_bias`, `${name}_mean`, `${name}_var`];
  }

  build(): Model {
    return this.model;
  }
}
