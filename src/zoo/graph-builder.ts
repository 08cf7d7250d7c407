/** Builds an IR model node by node: named initializers, unique value names, typed inputs/outputs. */
import { makeTensor } from '../ir/tensor';
import { Attr, Dim, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { VERSION } from '../version';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

/** Plain values become ONNX attributes: integers → int/ints, {float}/{floats} → float attributes. */
function toAttr(v: AttrValue): Attr {
  if (typeof v === 'number') return { kind: 'int', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  if ('float' in v) return { kind: 'float', value: v.float };
  return { kind: 'floats', value: v.floats };
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly counts = new Map<string, number>();

  /** A fresh name `${base}_${k}`, k counting per base. */
  fresh(base: string): string {
    const k = this.counts.get(base) ?? 0;
    this.counts.set(base, k + 1);
    return `${base}_${k}`;
  }

  input(name: string, shape: Dim[], dtype: ValueInfo['dtype'] = 'float32'): string {
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  output(name: string, shape: Dim[], dtype: ValueInfo['dtype'] = 'float32'): void {
    this.outputs.push({ name, dtype, shape });
  }

  /** Adds a float32 initializer and returns its name. */
  weight(name: string, shape: number[], values: Float32Array): string {
    if (this.initializers.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializers.set(name, makeTensor('float32', shape, values));
    return name;
  }

  /** Adds a node; returns its (first) output name. `out` names the output explicitly. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string, name?: string): string {
    const nodeName = name ?? this.fresh(opType.toLowerCase());
    const output = out ?? `${nodeName}_out`;
    const a: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) a[k] = toAttr(v);
    this.nodes.push({ name: nodeName, opType, domain: '', inputs, outputs: [output], attrs: a });
    return output;
  }

  toModel(name: string, docString: string, metadata: Record<string, string> = {}, opset = 13): Model {
    return {
      irVersion: 7,
      producerName: 'edgelock-zoo',
      producerVersion: VERSION,
      domain: '',
      modelVersion: 1,
      docString,
      opsetImports: [{ domain: '', version: opset }],
      metadata,
      graph: {
        name,
        nodes: this.nodes,
        inputs: this.inputs,
        outputs: this.outputs,
        initializers: this.initializers,
        valueInfo: new Map(),
      },
    };
  }
}

/** Keras/TFLite "SAME" padding for one spatial axis: [before, after] (the extra cell goes after). */
export function samePads(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
