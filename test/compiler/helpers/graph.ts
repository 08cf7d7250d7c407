/** A small fluent builder for multi-node float32 test models (IR), written to ONNX bytes. */
import { makeTensor } from '../../../src/ir/tensor';
import { Attr, Dim, Model, Tensor } from '../../../src/ir/types';
import { writeOnnx } from '../../../src/onnx/writer';
import { seededRandom } from '../../helpers/ort';
import { emptyModel, toAttr, AttrLike } from '../../helpers/build';

export class GraphBuilder {
  readonly model: Model;
  private counter = 0;
  private readonly rand: () => number;

  constructor(opset = 13, seed = 1) {
    this.model = emptyModel(opset);
    this.rand = seededRandom(seed);
  }

  input(name: string, shape: Dim[]): string {
    this.model.graph.inputs.push({ name, dtype: 'float32', shape });
    return name;
  }

  init(name: string, t: Tensor): string {
    this.model.graph.initializers.set(name, t);
    return name;
  }

  /** A seeded random float32 initializer, uniform in [-scale, scale). */
  weight(name: string, shape: number[], scale = 0.5): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.rand() * 2 - 1) * scale;
    return this.init(name, makeTensor('float32', shape, data));
  }

  ints(name: string, values: number[]): string {
    return this.init(name, makeTensor('int64', [values.length], values));
  }

  node(opType: string, inputs: string[], attrs: Record<string, AttrLike> = {}, name?: string, outputs = 1): string {
    const n = name ?? `${opType.toLowerCase()}_${this.counter++}`;
    const outs = Array.from({ length: outputs }, (_, i) => (i === 0 ? n : `${n}_out${i}`));
    const a: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) a[k] = toAttr(v);
    this.model.graph.nodes.push({ name: n, opType, domain: '', inputs, outputs: outs, attrs: a });
    return outs[0];
  }

  output(name: string): this {
    this.model.graph.outputs.push({ name, dtype: 'float32', shape: null });
    return this;
  }

  bytes(): Uint8Array {
    return writeOnnx(this.model);
  }
}

/** A Conv with seeded random weights [cout, cin, k, k] and bias [cout] (3×3, padding 1 unless told). */
export function conv(
  b: GraphBuilder,
  x: string,
  cin: number,
  cout: number,
  attrs: Record<string, number[] | number> = { pads: [1, 1, 1, 1] },
  k = 3,
): string {
  const i = b.model.graph.initializers.size;
  return b.node('Conv', [x, b.weight(`w${i}`, [cout, cin, k, k]), b.weight(`b${i}`, [cout])], attrs);
}
