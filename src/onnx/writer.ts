import { onnx } from 'onnx-proto';
import { Attr, Dim, Graph, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { tensorBytes } from '../ir/tensor';
import { ONNX_DTYPE_CODES } from './dtypes';

const ATTR = onnx.AttributeProto.AttributeType;
const encoder = new TextEncoder();

/** Encodes an IR model as ONNX protobuf bytes (all tensors embedded as raw_data). */
export function writeOnnx(model: Model): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    metadataProps: Object.keys(model.metadata)
      .sort()
      .map((key) => ({ key, value: model.metadata[key] })),
    graph: writeGraph(model.graph),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(proto)).finish();
}

function writeGraph(g: Graph): onnx.IGraphProto {
  const declared = new Set([...g.inputs, ...g.outputs].map((v) => v.name));
  return {
    name: g.name,
    node: g.nodes.map(writeNode),
    input: g.inputs.map(writeValueInfo),
    output: g.outputs.map(writeValueInfo),
    initializer: [...g.initializers.entries()].map(([name, t]) => writeTensor(name, t)),
    valueInfo: [...g.valueInfo.values()]
      .filter((v) => !declared.has(v.name) && !g.initializers.has(v.name))
      .map(writeValueInfo),
  };
}

function writeNode(n: Node): onnx.INodeProto {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.keys(n.attrs).map((k) => writeAttr(k, n.attrs[k])),
  };
}

function writeAttr(name: string, a: Attr): onnx.IAttributeProto {
  switch (a.kind) {
    case 'int':
      return { name, type: ATTR.INT, i: a.value };
    case 'float':
      return { name, type: ATTR.FLOAT, f: a.value };
    case 'string':
      return { name, type: ATTR.STRING, s: encoder.encode(a.value) };
    case 'ints':
      return { name, type: ATTR.INTS, ints: a.value };
    case 'floats':
      return { name, type: ATTR.FLOATS, floats: a.value };
    case 'strings':
      return { name, type: ATTR.STRINGS, strings: a.value.map((s) => encoder.encode(s)) };
    case 'tensor':
      return { name, type: ATTR.TENSOR, t: writeTensor('', a.value) };
    case 'graph':
      return { name, type: ATTR.GRAPH, g: writeGraph(a.value) };
  }
}

export function writeTensor(name: string, t: Tensor): onnx.ITensorProto {
  return { name, dims: t.shape, dataType: ONNX_DTYPE_CODES[t.dtype], rawData: tensorBytes(t) };
}

function writeDim(d: Dim): onnx.TensorShapeProto.IDimension {
  if (typeof d === 'number') return { dimValue: d };
  if (typeof d === 'string') return { dimParam: d };
  return {};
}

function writeValueInfo(v: ValueInfo): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE_CODES[v.dtype],
        ...(v.shape ? { shape: { dim: v.shape.map(writeDim) } } : {}),
      },
    },
  };
}
