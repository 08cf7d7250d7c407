import { onnx } from 'onnx-proto';
import { EdgelockError } from '../errors';
import { Attr, Dim, DType, Graph, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { allocArray, makeTensor, shapeSize, tensorFromBytes } from '../ir/tensor';
import { dtypeFromOnnx, onnxDtypeName } from './dtypes';
import { checkOpsets } from '../ir/opsets';
import { upgradeOpset } from './upgrade';

type LongLike = number | string | { toString(): string; toNumber?: () => number } | null | undefined;

function num(x: LongLike): number {
  if (x === null || x === undefined) return 0;
  if (typeof x === 'number') return x;
  if (typeof x === 'string') return Number(x);
  if (typeof x.toNumber === 'function') return x.toNumber();
  return Number(x.toString());
}

function big(x: LongLike): bigint {
  if (x === null || x === undefined) return 0n;
  if (typeof x === 'number') return BigInt(Math.trunc(x));
  return BigInt(x.toString());
}

const ATTR = onnx.AttributeProto.AttributeType;

/** Decodes ONNX protobuf bytes into the IR (opsets 7-10 upgraded to 11). Never throws anything but EdgelockError. */
export function readOnnx(bytes: Uint8Array, file?: string): Model {
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new EdgelockError('E_ONNX_PARSE', `not a valid ONNX model: ${(e as Error).message}`, { file });
  }
  if (!proto.graph || num(proto.irVersion as LongLike) < 3 || !proto.opsetImport || proto.opsetImport.length === 0) {
    throw new EdgelockError('E_ONNX_PARSE', 'not a valid ONNX model: no graph, IR version or opset import', { file });
  }
  const opsetImports = proto.opsetImport.map((o) => ({ domain: o.domain ?? '', version: num(o.version as LongLike) }));
  checkOpsets(opsetImports, file);

  const graph = readGraph(proto.graph, file);
  const metadata: Record<string, string> = {};
  for (const p of proto.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return upgradeOpset({
    irVersion: num(proto.irVersion as LongLike),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    domain: proto.domain ?? '',
    modelVersion: num(proto.modelVersion as LongLike),
    docString: proto.docString ?? '',
    opsetImports,
    metadata,
    graph,
  });
}

function readGraph(g: onnx.IGraphProto, file?: string): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (initializers.has(name)) throw new EdgelockError('E_ONNX_GRAPH', `duplicate initializer '${name}'`, { file });
    initializers.set(name, readTensor(t, file));
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new EdgelockError('E_ONNX_DTYPE', 'sparse initializers are not supported', { file });
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => readValueInfo(v, file));
  const outputs = (g.output ?? []).map((v) => readValueInfo(v, file));
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of g.valueInfo ?? []) {
    const vi = readValueInfoLenient(v);
    if (vi) valueInfo.set(vi.name, vi);
  }
  const nodes: Node[] = (g.node ?? []).map((n, i) => readNode(n, i, file));
  return { name: g.name ?? 'graph', nodes, inputs, outputs, initializers, valueInfo };
}

function readNode(n: onnx.INodeProto, index: number, file?: string): Node {
  const name = n.name && n.name.length > 0 ? n.name : `${n.opType ?? 'node'}_${index}`;
  const attrs: Record<string, Attr> = {};
  for (const a of n.attribute ?? []) {
    const attrName = a.name ?? '';
    attrs[attrName] = readAttr(a, name, n.opType ?? '', isDefaultOp(n) && n.opType === 'If', file);
  }
  return {
    name,
    opType: n.opType ?? '',
    domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
  };
}

const decoder = new TextDecoder();

function isDefaultOp(n: onnx.INodeProto): boolean {
  return !n.domain || n.domain === 'ai.onnx';
}

/** `subgraphOk`: the node is an ONNX `If`, whose branch graphs are read (Loop/Scan bodies are refused). */
function readAttr(a: onnx.IAttributeProto, node: string, op: string, subgraphOk: boolean, file?: string): Attr {
  if (a.refAttrName) {
    throw new EdgelockError('E_ONNX_INVALID_NODE', `attribute '${a.name}' refers to a function attribute`, {
      file,
      node,
      op,
    });
  }
  switch (a.type) {
    case ATTR.INT:
      return { kind: 'int', value: num(a.i as LongLike) };
    case ATTR.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case ATTR.STRING:
      return { kind: 'string', value: decoder.decode(a.s ?? new Uint8Array()) };
    case ATTR.INTS:
      return { kind: 'ints', value: (a.ints ?? []).map((v) => num(v as LongLike)) };
    case ATTR.FLOATS:
      return { kind: 'floats', value: [...(a.floats ?? [])] };
    case ATTR.STRINGS:
      return { kind: 'strings', value: (a.strings ?? []).map((s) => decoder.decode(s)) };
    case ATTR.TENSOR:
      if (!a.t)
        throw new EdgelockError('E_ONNX_INVALID_NODE', `attribute '${a.name}' has no tensor`, { file, node, op });
      return { kind: 'tensor', value: readTensor(a.t, file) };
    case ATTR.GRAPH:
      if (subgraphOk && a.g) return { kind: 'graph', value: readGraph(a.g, file) };
      throw new EdgelockError(
        'E_ONNX_UNSUPPORTED_OP',
        `node '${node}' (${op}): attribute '${a.name}' holds a subgraph: loops are not supported on ` +
          `microcontrollers (only an If whose condition is constant after input-shape pinning is folded)`,
        { file, node, op },
      );
    case ATTR.GRAPHS:
      throw new EdgelockError(
        'E_ONNX_UNSUPPORTED_OP',
        `attribute '${a.name}' holds a subgraph: control flow is not supported on microcontrollers`,
        { file, node, op },
      );
    default:
      throw new EdgelockError('E_ONNX_INVALID_NODE', `attribute '${a.name}' has unsupported type ${a.type}`, {
        file,
        node,
        op,
      });
  }
}

function readElemType(code: number, what: string, file?: string): DType {
  const dt = dtypeFromOnnx(code);
  if (!dt)
    throw new EdgelockError(
      'E_ONNX_DTYPE',
      `${what} has data type ${onnxDtypeName(code)}, which edgelock does not support`,
      { file },
    );
  return dt;
}

export function readTensor(t: onnx.ITensorProto, file?: string): Tensor {
  const name = t.name ?? '';
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData ?? []).length > 0) {
    throw new EdgelockError('E_ONNX_EXTERNAL_DATA', `tensor '${name}' is stored in an external data file`, { file });
  }
  if (t.segment) throw new EdgelockError('E_ONNX_INVALID_NODE', `tensor '${name}' is segmented`, { file });
  const dtype = readElemType(t.dataType ?? 0, `tensor '${name}'`, file);
  const shape = (t.dims ?? []).map((d) => num(d as LongLike));
  if (shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DIM)) {
    throw new EdgelockError('E_ONNX_PARSE', `tensor '${name}' has an invalid shape [${shape}]`, { file });
  }
  const n = shapeSize(shape);
  if (n > 1 << 28)
    throw new EdgelockError('E_ONNX_PARSE', `tensor '${name}' is implausibly large (${n} elements)`, { file });
  try {
    if (t.rawData && t.rawData.length > 0) return tensorFromBytes(dtype, shape, t.rawData);
    const out = makeTensor(dtype, shape);
    const src: LongLike[] | number[] =
      dtype === 'float32'
        ? (t.floatData ?? [])
        : dtype === 'float64'
          ? (t.doubleData ?? [])
          : dtype === 'int64'
            ? ((t.int64Data as LongLike[]) ?? [])
            : (t.int32Data ?? []);
    if (src.length !== n) {
      if (n === 0 && src.length === 0) return out;
      throw new RangeError(`holds ${src.length} values, shape [${shape}] needs ${n}`);
    }
    if (dtype === 'int64') {
      const d = out.data as BigInt64Array;
      for (let i = 0; i < n; i++) d[i] = big(src[i] as LongLike);
    } else {
      const d = out.data as Exclude<typeof out.data, BigInt64Array>;
      for (let i = 0; i < n; i++) d[i] = num(src[i] as LongLike);
    }
    return out;
  } catch (e) {
    if (e instanceof EdgelockError) throw e;
    throw new EdgelockError('E_ONNX_PARSE', `tensor '${name}' data is inconsistent: ${(e as Error).message}`, { file });
  }
}

/** The largest dimension edgelock accepts: TFLite stores dimensions as int32. */
export const MAX_DIM = 0x7fffffff;

function readShape(tt: onnx.TypeProto.ITensor, what: string, file?: string): Dim[] | null {
  if (!tt.shape) return null;
  return (tt.shape.dim ?? []).map((d) => {
    const which = (d as { value?: string }).value;
    if (which === 'dimValue') {
      const v = num(d.dimValue as LongLike);
      if (v > MAX_DIM)
        throw new EdgelockError(
          'E_ONNX_SHAPE',
          `${what} has dimension ${String(d.dimValue)}, more than ${MAX_DIM} (TFLite dimensions are int32)`,
          { file },
        );
      return v;
    }
    if (which === 'dimParam') return d.dimParam && d.dimParam.length > 0 ? d.dimParam : null;
    return null;
  });
}

function readValueInfo(v: onnx.IValueInfoProto, file?: string): ValueInfo {
  const name = v.name ?? '';
  const tt = v.type?.tensorType;
  if (!tt)
    throw new EdgelockError(
      'E_ONNX_DTYPE',
      `graph value '${name}' is not a tensor (sequences and maps are not supported)`,
      { file },
    );
  return {
    name,
    dtype: readElemType(tt.elemType ?? 0, `graph value '${name}'`, file),
    shape: readShape(tt, `graph value '${name}'`, file),
  };
}

function readValueInfoLenient(v: onnx.IValueInfoProto): ValueInfo | undefined {
  const tt = v.type?.tensorType;
  if (!tt) return undefined;
  const dtype = dtypeFromOnnx(tt.elemType ?? 0);
  if (!dtype) return undefined;
  return { name: v.name ?? '', dtype, shape: readShape(tt, `value '${v.name ?? ''}'`) };
}

export { allocArray };
