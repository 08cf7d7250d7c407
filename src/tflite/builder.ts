/**
 * A typed writer for .tflite files over the generated flatbuffer bindings.
 *
 * Conventions it enforces (those of TFLite's converter, which TFLite Micro relies on):
 * buffer 0 is an empty sentinel and every non-constant tensor points at it; constant data
 * starts on a 16-byte boundary of the file; one OperatorCode per builtin code (the highest
 * version requested wins) with both `deprecated_builtin_code` and `builtin_code` set;
 * schema version 3 and file identifier "TFL3".
 *
 * Size: everything identical is written once and referenced from every user (flatbuffers allow
 * shared offsets): shape, scale and zero-point vectors, whole QuantizationParameters tables and
 * builtin options tables; a tensor without a name (allowed by the schema) carries no string.
 */
import * as flatbuffers from 'flatbuffers';
import { EdgelockError } from '../errors';
import * as G from './generated';
import { BuiltinOperator } from './generated/tflite/builtin-operator';
import { BuiltinOptions } from './generated/tflite/builtin-options';
import { TensorType } from './generated/tflite/tensor-type';
import { TFLITE_OPS, TfliteOpName } from './builtins';
import { builtinOptionsName } from './opcodes';
import { BuiltinOptionsObject } from './options';

export { options } from './options';
export type { BuiltinOptionsObject } from './options';

export const TFLITE_SCHEMA_VERSION = 3;
/** Byte alignment of every constant buffer's data inside the file. */
export const TFLITE_BUFFER_ALIGNMENT = 16;

/** Tensor element types edgelock writes, by the names the IR uses. */
export const TENSOR_TYPES = {
  float32: { type: TensorType.FLOAT32, bytes: 4 },
  float16: { type: TensorType.FLOAT16, bytes: 2 },
  int32: { type: TensorType.INT32, bytes: 4 },
  uint8: { type: TensorType.UINT8, bytes: 1 },
  int64: { type: TensorType.INT64, bytes: 8 },
  bool: { type: TensorType.BOOL, bytes: 1 },
  int16: { type: TensorType.INT16, bytes: 2 },
  int8: { type: TensorType.INT8, bytes: 1 },
  float64: { type: TensorType.FLOAT64, bytes: 8 },
} as const;
export type TfliteDType = keyof typeof TENSOR_TYPES;

export interface QuantizationSpec {
  /** One scale per tensor, or one per slice along `quantizedDimension`. */
  scale: number[];
  /** Same length as `scale`. */
  zeroPoint: number[];
  /** Axis of per-axis quantisation (ignored when there is one scale). */
  quantizedDimension?: number;
  min?: number[];
  max?: number[];
}

export interface TensorSpec {
  /** Unique when given; '' (or omitted) writes no name, which the schema allows (TFLite reports it as ""). */
  name?: string;
  shape: number[];
  dtype: TfliteDType;
  quantization?: QuantizationSpec;
  isVariable?: boolean;
}

export interface ConstTensorSpec extends TensorSpec {
  /** Little-endian element data; its byte length must equal the shape's size × element size. */
  data: ArrayBufferView;
}

export interface OperatorSpec {
  op: TfliteOpName;
  /** Op version (see builtins.ts `TFLITE_OPS[op].version(signature)`). */
  version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** Must be the options table the op carries (TFLITE_OPS[op].options); omitted for ops without options. */
  options?: BuiltinOptionsObject;
}

/** Maps each generated `*OptionsT` class to its union tag, derived from the generated enum. */
const OPTIONS_TAG = new Map<unknown, BuiltinOptions>();
for (const [name, tag] of Object.entries(BuiltinOptions)) {
  if (typeof tag !== 'number' || tag === BuiltinOptions.NONE) continue;
  const cls = (G as Record<string, unknown>)[`${name}T`];
  if (typeof cls !== 'function') throw new Error(`generated bindings lack ${name}T`);
  OPTIONS_TAG.set(cls, tag);
}

interface TensorRecord extends TensorSpec {
  buffer: number;
}
interface OperatorRecord {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  options: BuiltinOptionsObject | null;
  optionsTag: BuiltinOptions;
}

function fail(message: string): never {
  throw new EdgelockError('E_INTERNAL', `tflite builder: ${message}`);
}

export class TfliteBuilder {
  private readonly buffers: (Uint8Array | null)[] = [null];
  private readonly tensors: TensorRecord[] = [];
  private readonly tensorNames = new Set<string>();
  private readonly opcodes: { code: BuiltinOperator; version: number }[] = [];
  private readonly opcodeIndex = new Map<BuiltinOperator, number>();
  private readonly operators: OperatorRecord[] = [];
  private readonly metadata: { name: string; buffer: number }[] = [];
  private inputs: number[] = [];
  private outputs: number[] = [];
  /** Vectors and tables already written in the current finish(), keyed by content: identical ones are shared. */
  private vectorCache = new Map<string, flatbuffers.Offset>();
  private description = '';
  private subgraphName = 'main';

  setDescription(text: string): this {
    this.description = text;
    return this;
  }

  setSubgraphName(name: string): this {
    this.subgraphName = name;
    return this;
  }

  /** Adds a constant data buffer (copied) and returns its index (≥ 1). */
  addBuffer(data: ArrayBufferView): number {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.buffers.push(bytes);
    return this.buffers.length - 1;
  }

  /** Adds an activation (non-constant) tensor; it uses buffer 0. */
  addTensor(spec: TensorSpec): number {
    return this.pushTensor(spec, 0);
  }

  /** Adds a constant tensor with its own buffer. */
  addConstTensor(spec: ConstTensorSpec): number {
    const expected = elementCount(spec.shape) * TENSOR_TYPES[spec.dtype].bytes;
    if (spec.data.byteLength !== expected) {
      fail(
        `constant '${spec.name}' [${spec.shape}] ${spec.dtype} needs ${expected} bytes, got ${spec.data.byteLength}`,
      );
    }
    return this.pushTensor(spec, this.addBuffer(spec.data));
  }

  /** Index of the OperatorCode for `op`, created on first use; keeps the highest version asked for. */
  opcode(op: TfliteOpName, version: number): number {
    if (!Number.isInteger(version) || version < 1) fail(`${op}: invalid op version ${version}`);
    const code = TFLITE_OPS[op].code;
    const existing = this.opcodeIndex.get(code);
    if (existing !== undefined) {
      const entry = this.opcodes[existing];
      entry.version = Math.max(entry.version, version);
      return existing;
    }
    this.opcodes.push({ code, version });
    this.opcodeIndex.set(code, this.opcodes.length - 1);
    return this.opcodes.length - 1;
  }

  /** Appends an operator (operators run in the order they are added) and returns its index. */
  addOperator(spec: OperatorSpec): number {
    const info = TFLITE_OPS[spec.op];
    if (!info) fail(`unknown operator ${String(spec.op)}`);
    for (const t of spec.inputs) {
      if (t !== -1) this.checkTensor(t, spec.op);
    }
    for (const t of spec.outputs) this.checkTensor(t, spec.op);
    let optionsTag = BuiltinOptions.NONE;
    if (spec.options) {
      const tag = OPTIONS_TAG.get(spec.options.constructor);
      if (tag === undefined) fail(`${spec.op}: options object is not a generated *OptionsT instance`);
      optionsTag = tag;
    }
    if (optionsTag !== info.options && !(optionsTag === BuiltinOptions.NONE && spec.options === undefined)) {
      fail(`${spec.op} takes ${builtinOptionsName(info.options)}, got ${builtinOptionsName(optionsTag)}`);
    }
    this.operators.push({
      opcodeIndex: this.opcode(spec.op, spec.version),
      inputs: [...spec.inputs],
      outputs: [...spec.outputs],
      options: spec.options ?? null,
      optionsTag,
    });
    return this.operators.length - 1;
  }

  setInputs(tensorIndices: number[]): this {
    tensorIndices.forEach((t) => this.checkTensor(t, 'subgraph input'));
    this.inputs = [...tensorIndices];
    return this;
  }

  setOutputs(tensorIndices: number[]): this {
    tensorIndices.forEach((t) => this.checkTensor(t, 'subgraph output'));
    this.outputs = [...tensorIndices];
    return this;
  }

  /** Adds a Model.metadata entry whose content lives in a new buffer; returns the buffer index. */
  addMetadata(name: string, content: string | Uint8Array): number {
    if (this.metadata.some((m) => m.name === name)) fail(`duplicate metadata entry '${name}'`);
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const buffer = this.addBuffer(bytes);
    this.metadata.push({ name, buffer });
    return buffer;
  }

  get tensorCount(): number {
    return this.tensors.length;
  }

  /** The tensor spec recorded at `index` (for callers that need shapes/dtypes back). */
  tensor(index: number): Readonly<TensorSpec> & { buffer: number } {
    this.checkTensor(index, 'tensor()');
    return this.tensors[index];
  }

  /** Serialises the model. The builder can keep being used and finished again. */
  finish(): Uint8Array {
    this.vectorCache = new Map();
    if (this.inputs.length === 0) fail('the subgraph has no inputs');
    if (this.outputs.length === 0) fail('the subgraph has no outputs');
    const dataBytes = this.buffers.reduce((n, b) => n + (b ? b.length + TFLITE_BUFFER_ALIGNMENT : 0), 0);
    const fb = new flatbuffers.Builder(dataBytes + 1024 + 256 * (this.tensors.length + this.operators.length));

    // Buffers first: the builder writes back to front, so their data ends up at the file's end.
    const bufferOffsets = this.buffers.map((data) => {
      const dataOffset = data ? writeAlignedBytes(fb, data) : 0;
      G.Buffer.startBuffer(fb);
      if (dataOffset) G.Buffer.addData(fb, dataOffset);
      return G.Buffer.endBuffer(fb);
    });

    const tensorOffsets = this.tensors.map((t) => this.writeTensor(fb, t));
    const operatorOffsets = this.operators.map((op) => {
      const options = op.options
        ? this.sharedVector(`options:${op.optionsTag}:${optionsKey(op.options)}`, () => op.options!.pack(fb))
        : 0;
      const inputs = G.Operator.createInputsVector(fb, op.inputs);
      const outputs = G.Operator.createOutputsVector(fb, op.outputs);
      G.Operator.startOperator(fb);
      G.Operator.addOpcodeIndex(fb, op.opcodeIndex);
      G.Operator.addInputs(fb, inputs);
      G.Operator.addOutputs(fb, outputs);
      if (op.options) {
        G.Operator.addBuiltinOptionsType(fb, op.optionsTag);
        G.Operator.addBuiltinOptions(fb, options);
      }
      return G.Operator.endOperator(fb);
    });

    const subgraphName = fb.createString(this.subgraphName);
    const subgraph = G.SubGraph.createSubGraph(
      fb,
      G.SubGraph.createTensorsVector(fb, tensorOffsets),
      G.SubGraph.createInputsVector(fb, this.inputs),
      G.SubGraph.createOutputsVector(fb, this.outputs),
      G.SubGraph.createOperatorsVector(fb, operatorOffsets),
      subgraphName,
    );

    const opcodeOffsets = this.opcodes.map(({ code, version }) => {
      G.OperatorCode.startOperatorCode(fb);
      G.OperatorCode.addDeprecatedBuiltinCode(fb, Math.min(code, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES));
      G.OperatorCode.addVersion(fb, version);
      G.OperatorCode.addBuiltinCode(fb, code);
      return G.OperatorCode.endOperatorCode(fb);
    });

    const metadataOffsets = this.metadata.map((m) => {
      const name = fb.createString(m.name);
      return G.Metadata.createMetadata(fb, name, m.buffer);
    });

    const operatorCodes = G.Model.createOperatorCodesVector(fb, opcodeOffsets);
    const subgraphs = G.Model.createSubgraphsVector(fb, [subgraph]);
    const description = fb.createString(this.description);
    const buffers = G.Model.createBuffersVector(fb, bufferOffsets);
    const metadata = this.metadata.length ? G.Model.createMetadataVector(fb, metadataOffsets) : 0;

    G.Model.startModel(fb);
    G.Model.addVersion(fb, TFLITE_SCHEMA_VERSION);
    G.Model.addOperatorCodes(fb, operatorCodes);
    G.Model.addSubgraphs(fb, subgraphs);
    G.Model.addDescription(fb, description);
    G.Model.addBuffers(fb, buffers);
    if (metadata) G.Model.addMetadata(fb, metadata);
    const model = G.Model.endModel(fb);
    G.Model.finishModelBuffer(fb, model);
    return fb.asUint8Array().slice();
  }

  private pushTensor(spec: TensorSpec, buffer: number): number {
    const label = spec.name ? `'${spec.name}'` : `#${this.tensors.length}`;
    if (spec.name && this.tensorNames.has(spec.name)) fail(`duplicate tensor name '${spec.name}'`);
    if (!(spec.dtype in TENSOR_TYPES)) fail(`tensor ${label}: unsupported dtype ${spec.dtype}`);
    if (!spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`tensor ${label}: shape [${spec.shape}] must hold non-negative integers`);
    }
    if (spec.quantization) checkQuantization(spec, label);
    if (spec.name) this.tensorNames.add(spec.name);
    this.tensors.push({ ...spec, shape: [...spec.shape], buffer });
    return this.tensors.length - 1;
  }

  private sharedVector(key: string, create: () => flatbuffers.Offset): flatbuffers.Offset {
    let off = this.vectorCache.get(key);
    if (off === undefined) {
      off = create();
      this.vectorCache.set(key, off);
    }
    return off;
  }

  private checkTensor(index: number, where: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.tensors.length) {
      fail(`${where}: tensor index ${index} does not exist`);
    }
  }

  private writeTensor(fb: flatbuffers.Builder, t: TensorRecord): flatbuffers.Offset {
    const shape = this.sharedVector(`shape:${t.shape.join(',')}`, () => G.Tensor.createShapeVector(fb, t.shape));
    const name = t.name ? fb.createString(t.name) : 0;
    const quantization = t.quantization ? this.writeQuantization(fb, t.quantization) : 0;
    G.Tensor.startTensor(fb);
    G.Tensor.addShape(fb, shape);
    G.Tensor.addType(fb, TENSOR_TYPES[t.dtype].type);
    G.Tensor.addBuffer(fb, t.buffer);
    if (name) G.Tensor.addName(fb, name);
    if (quantization) G.Tensor.addQuantization(fb, quantization);
    if (t.isVariable) G.Tensor.addIsVariable(fb, true);
    return G.Tensor.endTensor(fb);
  }

  /** One QuantizationParameters table per distinct content; its vectors shared by content too. */
  private writeQuantization(fb: flatbuffers.Builder, q: QuantizationSpec): flatbuffers.Offset {
    // float32 is what the file stores, so scales equal after rounding to float32 are the same vector
    const scales = Array.from(Float32Array.from(q.scale));
    const axis = q.scale.length > 1 ? (q.quantizedDimension ?? 0) : 0;
    const key = JSON.stringify([scales, q.zeroPoint, axis, q.min ?? null, q.max ?? null]);
    return this.sharedVector(`quant:${key}`, () => {
      const min = q.min ? G.QuantizationParameters.createMinVector(fb, q.min) : 0;
      const max = q.max ? G.QuantizationParameters.createMaxVector(fb, q.max) : 0;
      const scale = this.sharedVector(`scale:${scales.join(',')}`, () =>
        G.QuantizationParameters.createScaleVector(fb, scales),
      );
      const zeroPoint = this.sharedVector(`zp:${q.zeroPoint.join(',')}`, () =>
        G.QuantizationParameters.createZeroPointVector(
          fb,
          q.zeroPoint.map((z) => BigInt(z)),
        ),
      );
      G.QuantizationParameters.startQuantizationParameters(fb);
      if (min) G.QuantizationParameters.addMin(fb, min);
      if (max) G.QuantizationParameters.addMax(fb, max);
      G.QuantizationParameters.addScale(fb, scale);
      G.QuantizationParameters.addZeroPoint(fb, zeroPoint);
      G.QuantizationParameters.addQuantizedDimension(fb, axis);
      return G.QuantizationParameters.endQuantizationParameters(fb);
    });
  }
}

/** Content key of a generated options object (field values; nested arrays such as RESHAPE's new shape included). */
function optionsKey(o: BuiltinOptionsObject): string {
  return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Writes a [ubyte] vector whose first data byte is aligned to TFLITE_BUFFER_ALIGNMENT in the file. */
function writeAlignedBytes(fb: flatbuffers.Builder, data: Uint8Array): flatbuffers.Offset {
  fb.startVector(1, data.length, TFLITE_BUFFER_ALIGNMENT);
  for (let i = data.length - 1; i >= 0; i--) fb.addInt8(data[i]);
  return fb.endVector();
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkQuantization(spec: TensorSpec, label: string): void {
  const q = spec.quantization!;
  const where = `tensor ${label}`;
  if (q.scale.length === 0) fail(`${where}: quantisation needs at least one scale`);
  if (q.zeroPoint.length !== q.scale.length)
    fail(`${where}: ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
  if (!q.scale.every((s) => Number.isFinite(s) && s > 0)) fail(`${where}: scales must be finite and positive`);
  if (!q.zeroPoint.every((z) => Number.isInteger(z))) fail(`${where}: zero points must be integers`);
  if (q.scale.length > 1) {
    const axis = q.quantizedDimension ?? 0;
    if (axis < 0 || axis >= spec.shape.length)
      fail(`${where}: quantized dimension ${axis} outside rank ${spec.shape.length}`);
    if (spec.shape[axis] !== q.scale.length) {
      fail(`${where}: ${q.scale.length} scales for dimension ${axis} of size ${spec.shape[axis]}`);
    }
  }
}
