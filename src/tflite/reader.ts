/**
 * Reads a .tflite file through the generated bindings into a plain description (for
 * `edgelock inspect` and for tests that check what the compiler wrote).
 *
 * Untrusted input: every read goes through a bounds-checked ByteBuffer, so a truncated or
 * corrupted file fails with E_TFLITE_PARSE instead of yielding garbage or a RangeError; the
 * decoded model is then checked for dangling indices.
 */
import * as flatbuffers from 'flatbuffers';
import { EdgelockError } from '../errors';
import { Model } from './generated/tflite/model';
import { SubGraph } from './generated/tflite/sub-graph';
import { Tensor } from './generated/tflite/tensor';
import { Operator } from './generated/tflite/operator';
import { TensorType } from './generated/tflite/tensor-type';
import { BuiltinOptions, unionToBuiltinOptions } from './generated/tflite/builtin-options';
import { Padding } from './generated/tflite/padding';
import { ActivationFunctionType } from './generated/tflite/activation-function-type';
import { FullyConnectedOptionsWeightsFormat } from './generated/tflite/fully-connected-options-weights-format';
import { QuantizationDetails } from './generated/tflite/quantization-details';
import { builtinOperatorName, builtinOptionsName } from './opcodes';
import { TFLITE_FILE_IDENTIFIER, isTflite } from './file-identifier';

export { isTflite } from './file-identifier';

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  min?: number[];
  max?: number[];
  /** True when the file uses a custom quantisation scheme (scale/zero point are then ignored by TFLite). */
  custom?: boolean;
}

export interface TfliteTensorInfo {
  index: number;
  name: string;
  shape: number[];
  /** Lower-case TensorType name ("float32", "int8"), or `type<n>` for an unknown code. */
  dtype: string;
  buffer: number;
  /** True when the tensor's buffer holds data (a constant). */
  constant: boolean;
  isVariable: boolean;
  sparse: boolean;
  quantization?: TfliteQuantization;
}

export interface TfliteOptionsInfo {
  /** BuiltinOptions member name ("Conv2DOptions"), or `BuiltinOptions_<n>` if this schema lacks it. */
  type: string;
  /** Field values by generated field name; enum fields are given by name. Empty for unknown types. */
  fields: Record<string, unknown>;
}

export interface TfliteOperatorInfo {
  index: number;
  opcodeIndex: number;
  /** "CONV_2D", or the custom code for custom ops. */
  op: string;
  builtinCode: number;
  version: number;
  inputs: number[];
  outputs: number[];
  options: TfliteOptionsInfo | null;
}

export interface TfliteOpcodeInfo {
  index: number;
  builtinCode: number;
  /** The pre-3a byte field, as stored. */
  deprecatedBuiltinCode: number;
  name: string;
  version: number;
  customCode: string | null;
}

export interface TfliteSubgraphInfo {
  name: string;
  inputs: number[];
  outputs: number[];
  tensors: TfliteTensorInfo[];
  operators: TfliteOperatorInfo[];
}

export interface TfliteBufferInfo {
  index: number;
  size: number;
  /** Byte offset of the data inside the file (null for an empty buffer). */
  dataOffset: number | null;
  /** Set when the data lives outside the flatbuffer (models above 2 GB). */
  external?: { offset: bigint; size: bigint };
}

export interface TfliteMetadataInfo {
  name: string;
  buffer: number;
  size: number;
  /** The content decoded as UTF-8 when it is valid UTF-8 text. */
  text?: string;
}

export interface TfliteModelInfo {
  fileSize: number;
  schemaVersion: number;
  description: string;
  opcodes: TfliteOpcodeInfo[];
  subgraphs: TfliteSubgraphInfo[];
  buffers: TfliteBufferInfo[];
  metadata: TfliteMetadataInfo[];
}

class OutOfBounds extends Error {}

/** A ByteBuffer whose every read is checked against the buffer's end. */
class CheckedByteBuffer extends flatbuffers.ByteBuffer {
  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.capacity()) {
      throw new OutOfBounds(`read of ${size} bytes at offset ${offset} is outside the ${this.capacity()}-byte file`);
    }
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  override __vector_len(offset: number): number {
    const start = this.__vector(offset);
    const len = super.__vector_len(offset);
    if (len < 0 || start + len > this.capacity()) {
      throw new OutOfBounds(`vector of ${len} elements at offset ${start} runs past the end of the file`);
    }
    return len;
  }

  override __string(offset: number, encoding?: flatbuffers.Encoding): string | Uint8Array {
    const at = offset + this.readInt32(offset);
    const len = this.readInt32(at);
    if (len < 0) throw new OutOfBounds(`string of negative length at offset ${at}`);
    this.check(at + 4, len);
    return super.__string(offset, encoding);
  }
}

function parseError(message: string): EdgelockError {
  return new EdgelockError('E_TFLITE_PARSE', message);
}

const ENUM_FIELDS: Record<string, Record<number, string>> = {
  padding: Padding as unknown as Record<number, string>,
  fusedActivationFunction: ActivationFunctionType as unknown as Record<number, string>,
  weightsFormat: FullyConnectedOptionsWeightsFormat as unknown as Record<number, string>,
  quantizedBiasType: TensorType as unknown as Record<number, string>,
  inDataType: TensorType as unknown as Record<number, string>,
  outDataType: TensorType as unknown as Record<number, string>,
  outputType: TensorType as unknown as Record<number, string>,
};

function dtypeName(type: number): string {
  const name = (TensorType as unknown as Record<number, string | undefined>)[type];
  return typeof name === 'string' ? name.toLowerCase() : `type${type}`;
}

function list<T>(length: number, at: (i: number) => T | null): T[] {
  const out: T[] = [];
  for (let i = 0; i < length; i++) {
    const v = at(i);
    if (v === null) throw new OutOfBounds(`missing vector element ${i}`);
    out.push(v);
  }
  return out;
}

/** Decodes and validates a .tflite file. Throws EdgelockError E_TFLITE_PARSE on any defect. */
export function readTflite(bytes: Uint8Array): TfliteModelInfo {
  if (bytes.length < 8) throw parseError(`file too short for a TFLite model (${bytes.length} bytes)`);
  if (!isTflite(bytes))
    throw parseError(`not a TFLite model: the "${TFLITE_FILE_IDENTIFIER}" identifier is missing at bytes 4..8`);
  let info: TfliteModelInfo;
  try {
    info = decode(new CheckedByteBuffer(bytes.slice()));
  } catch (e) {
    if (e instanceof EdgelockError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw parseError(`corrupt or truncated TFLite flatbuffer: ${why}`);
  }
  validate(info);
  return info;
}

/**
 * The byte offset in `bytes` (a file readTflite accepts) of the first float32 of tensor `tensor`'s quantisation scale
 * vector, or null when it has none: where a tool that re-quantises weights in place writes their new scales.
 */
export function tfliteScaleOffset(bytes: Uint8Array, tensor: number, subgraph = 0): number | null {
  const q = Model.getRootAsModel(new CheckedByteBuffer(bytes)).subgraphs(subgraph)?.tensors(tensor)?.quantization();
  if (!q || !q.bb) return null;
  const field = q.bb.__offset(q.bb_pos, 8); // QuantizationParameters.scale
  return field ? q.bb.__vector(q.bb_pos + field) : null;
}

function decode(bb: CheckedByteBuffer): TfliteModelInfo {
  const model = Model.getRootAsModel(bb);
  const opcodes = list(model.operatorCodesLength(), (i) => model.operatorCodes(i)).map((oc, index) => {
    const deprecated = oc.deprecatedBuiltinCode();
    // Files written before schema 3a only have the byte field; TFLite takes the larger of the two.
    const builtinCode = Math.max(oc.builtinCode(), deprecated);
    const customCode = oc.customCode();
    return {
      index,
      builtinCode,
      deprecatedBuiltinCode: deprecated,
      name: builtinOperatorName(builtinCode),
      version: oc.version(),
      customCode,
    };
  });

  const buffers = list(model.buffersLength(), (i) => model.buffers(i)).map((b, index): TfliteBufferInfo => {
    const size = b.dataLength();
    const data = size > 0 ? b.dataArray() : null;
    const info: TfliteBufferInfo = { index, size, dataOffset: data ? data.byteOffset - bb.bytes().byteOffset : null };
    const offset = b.offset();
    if (offset > 1n) info.external = { offset, size: b.size() };
    return info;
  });

  const subgraphs = list(model.subgraphsLength(), (i) => model.subgraphs(i)).map((sg) =>
    decodeSubgraph(sg, opcodes, buffers),
  );

  const metadata = list(model.metadataLength(), (i) => model.metadata(i)).map((m) => {
    const buffer = m.buffer();
    const entry: TfliteMetadataInfo = { name: m.name() ?? '', buffer, size: buffers[buffer]?.size ?? 0 };
    const b = buffers[buffer];
    if (b && b.dataOffset !== null) {
      try {
        entry.text = new TextDecoder('utf-8', { fatal: true }).decode(
          bb.bytes().subarray(b.dataOffset, b.dataOffset + b.size),
        );
      } catch {
        /* binary metadata */
      }
    }
    return entry;
  });

  return {
    fileSize: bb.capacity(),
    schemaVersion: model.version(),
    description: model.description() ?? '',
    opcodes,
    subgraphs,
    buffers,
    metadata,
  };
}

function decodeSubgraph(sg: SubGraph, opcodes: TfliteOpcodeInfo[], buffers: TfliteBufferInfo[]): TfliteSubgraphInfo {
  const tensors = list(sg.tensorsLength(), (i) => sg.tensors(i)).map((t, index) => decodeTensor(t, index, buffers));
  const operators = list(sg.operatorsLength(), (i) => sg.operators(i)).map((op, index) =>
    decodeOperator(op, index, opcodes),
  );
  return {
    name: sg.name() ?? '',
    inputs: list(sg.inputsLength(), (i) => sg.inputs(i)),
    outputs: list(sg.outputsLength(), (i) => sg.outputs(i)),
    tensors,
    operators,
  };
}

function decodeTensor(t: Tensor, index: number, buffers: TfliteBufferInfo[]): TfliteTensorInfo {
  const buffer = t.buffer();
  const info: TfliteTensorInfo = {
    index,
    name: t.name() ?? '',
    shape: list(t.shapeLength(), (i) => t.shape(i)),
    dtype: dtypeName(t.type()),
    buffer,
    constant: (buffers[buffer]?.size ?? 0) > 0,
    isVariable: t.isVariable(),
    sparse: t.sparsity() !== null,
  };
  const q = t.quantization();
  if (q) {
    const scale = list(q.scaleLength(), (i) => q.scale(i));
    const zeroPoint = list(q.zeroPointLength(), (i) => q.zeroPoint(i)).map((z) => Number(z));
    const min = list(q.minLength(), (i) => q.min(i));
    const max = list(q.maxLength(), (i) => q.max(i));
    const custom = q.detailsType() !== QuantizationDetails.NONE;
    if (scale.length || zeroPoint.length || min.length || max.length || custom) {
      info.quantization = { scale, zeroPoint, quantizedDimension: q.quantizedDimension() };
      if (min.length) info.quantization.min = min;
      if (max.length) info.quantization.max = max;
      if (custom) info.quantization.custom = true;
    }
  }
  return info;
}

function decodeOperator(op: Operator, index: number, opcodes: TfliteOpcodeInfo[]): TfliteOperatorInfo {
  const opcodeIndex = op.opcodeIndex();
  const opcode = opcodes[opcodeIndex];
  if (!opcode)
    throw parseError(`operator ${index} uses opcode ${opcodeIndex}, but the model has ${opcodes.length} opcodes`);
  return {
    index,
    opcodeIndex,
    op: opcode.customCode ?? opcode.name,
    builtinCode: opcode.builtinCode,
    version: opcode.version,
    inputs: list(op.inputsLength(), (i) => op.inputs(i)),
    outputs: list(op.outputsLength(), (i) => op.outputs(i)),
    options: decodeOptions(op),
  };
}

function decodeOptions(op: Operator): TfliteOptionsInfo | null {
  const tag = op.builtinOptionsType();
  if (tag === BuiltinOptions.NONE) return null;
  const table = unionToBuiltinOptions(tag, (obj) => op.builtinOptions(obj));
  if (!table) return { type: builtinOptionsName(tag), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table.unpack())) {
    const names = ENUM_FIELDS[key];
    fields[key] = names && typeof value === 'number' ? (names[value] ?? value) : value;
  }
  return { type: builtinOptionsName(tag), fields };
}

function validate(m: TfliteModelInfo): void {
  if (m.schemaVersion !== 3) throw parseError(`unsupported TFLite schema version ${m.schemaVersion} (expected 3)`);
  if (m.subgraphs.length === 0) throw parseError('the model has no subgraph');
  if (m.buffers.length === 0) throw parseError('the model has no buffers (buffer 0 must be the empty sentinel)');
  m.subgraphs.forEach((sg, s) => {
    const n = sg.tensors.length;
    const where = `subgraph ${s}`;
    const inRange = (t: number) => Number.isInteger(t) && t >= 0 && t < n;
    sg.tensors.forEach((t) => {
      if (t.buffer >= m.buffers.length)
        throw parseError(`${where}: tensor ${t.index} refers to buffer ${t.buffer} of ${m.buffers.length}`);
      if (!t.shape.every((d) => d >= 0))
        throw parseError(`${where}: tensor ${t.index} has a negative dimension [${t.shape}]`);
      const q = t.quantization;
      if (q && q.zeroPoint.length && q.zeroPoint.length !== q.scale.length) {
        throw parseError(
          `${where}: tensor ${t.index} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`,
        );
      }
    });
    sg.inputs.forEach((t) => {
      if (!inRange(t)) throw parseError(`${where}: input tensor ${t} does not exist`);
    });
    sg.outputs.forEach((t) => {
      if (!inRange(t)) throw parseError(`${where}: output tensor ${t} does not exist`);
    });
    sg.operators.forEach((op) => {
      op.inputs.forEach((t) => {
        if (t !== -1 && !inRange(t))
          throw parseError(`${where}: operator ${op.index} (${op.op}) reads missing tensor ${t}`);
      });
      op.outputs.forEach((t) => {
        if (!inRange(t)) throw parseError(`${where}: operator ${op.index} (${op.op}) writes missing tensor ${t}`);
      });
    });
  });
  m.metadata.forEach((md) => {
    if (md.buffer >= m.buffers.length) throw parseError(`metadata '${md.name}' refers to missing buffer ${md.buffer}`);
  });
}

/** The data bytes of buffer `index` (a view into `bytes`; empty for a sentinel buffer). */
export function tfliteBufferData(bytes: Uint8Array, info: TfliteModelInfo, index: number): Uint8Array {
  const b = info.buffers[index];
  if (!b) throw parseError(`buffer ${index} does not exist`);
  return b.dataOffset === null ? new Uint8Array(0) : bytes.subarray(b.dataOffset, b.dataOffset + b.size);
}
