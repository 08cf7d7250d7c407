/**
 * `seal` (the default): every learned floating-point initializer is encrypted with ChaCha20 under
 * the lock key, so the stolen model holds no usable weight at all; with the key the exact bytes
 * come back. In the .tflite, every filter and bias constant of FULLY_CONNECTED, CONV_2D and
 * DEPTHWISE_CONV_2D is sealed the same way; shapes, quantisation parameters and the graph stay
 * plain, so the model still validates (TFLM Prepare) and the device decrypts the sealed buffers
 * into RAM at load.
 */
import { EdgelockError } from '../../errors';
import { Model, Tensor } from '../../ir/types';
import { tensorBytes, tensorFromBytes } from '../../ir/tensor';
import { TflGraph } from '../../compiler/tfl-graph';
import { TfliteModelInfo } from '../../tflite/reader';
import { LockDescriptor, SealEntry } from '../descriptor';
import { xorStream } from '../keystream';
import { ENTRY_KINDS, TfliteLockEntry } from '../tflite-descriptor';
import { LockScheme } from './scheme';

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);
const SEALED_ROLES = new Set(['conv-weight', 'depthwise-weight', 'fc-weight', 'bias']);

/** The learned parameters: floating-point initializers some node reads. Integer ones (shapes, axes) stay plain. */
function learnedInitializers(model: Model): string[] {
  const read = new Set(model.graph.nodes.flatMap((n) => n.inputs));
  return [...model.graph.initializers.entries()]
    .filter(([name, t]) => read.has(name) && FLOAT_TYPES.has(t.dtype))
    .map(([name]) => name);
}

function xorTensor(t: Tensor, key: Buffer, salt: Buffer, stream: number): Tensor {
  return tensorFromBytes(t.dtype, [...t.shape], xorStream(key, salt, stream, tensorBytes(t)));
}

function entriesOf(d: LockDescriptor): SealEntry[] {
  return d.entries.map((e) => {
    const s = e as SealEntry;
    if (typeof s.name !== 'string' || !Number.isInteger(s.stream))
      throw new EdgelockError('E_LOCK_DESCRIPTOR', 'a seal entry needs a tensor name and a stream number');
    return s;
  });
}

function unseal(locked: Model, d: LockDescriptor, key: Buffer): Model {
  const salt = Buffer.from(d.salt, 'hex');
  const initializers = new Map(locked.graph.initializers);
  for (const e of entriesOf(d)) {
    const t = initializers.get(e.name);
    if (!t) throw new EdgelockError('E_LOCK_DESCRIPTOR', `sealed initializer '${e.name}' is not in the model`);
    initializers.set(e.name, xorTensor(t, key, salt, e.stream));
  }
  return { ...locked, graph: { ...locked.graph, initializers } };
}

export const seal: LockScheme = {
  name: 'seal',
  summary: 'every learned weight and bias encrypted with ChaCha20 under a per-model lock key (default)',
  relaxation: 'unknown-values',

  lockOnnx(model, { key, salt }) {
    const names = learnedInitializers(model);
    if (names.length === 0)
      throw new EdgelockError('E_LOCK_UNSUPPORTED', 'the model has no floating-point weights to seal');
    const initializers = new Map(model.graph.initializers);
    const entries: SealEntry[] = names.map((name, stream) => {
      initializers.set(name, xorTensor(initializers.get(name)!, key, salt, stream));
      return { name, stream };
    });
    return { model: { ...model, graph: { ...model.graph, initializers } }, entries };
  },

  unlockOnnx: unseal,

  lockTflite(graph: TflGraph, { key, salt }) {
    const entries: TfliteLockEntry[] = [];
    for (const t of graph.tensors) {
      if (!t.data || !t.role || !SEALED_ROLES.has(t.role)) continue;
      const plain = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const stream = entries.length;
      const sealed = xorStream(key, salt, stream, plain);
      plain.set(sealed);
      entries.push({ tensor: t.id, kind: ENTRY_KINDS.sealed, axis: 0, a: plain.length, b: stream });
    }
    if (entries.length === 0)
      throw new EdgelockError(
        'E_LOCK_UNSUPPORTED',
        'the compiled model has no FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D constants to seal',
      );
    return entries;
  },

  unlockTflite(bytes: Uint8Array, info: TfliteModelInfo, entries, { key, salt }) {
    const tensors = info.subgraphs[0].tensors;
    for (const e of entries) {
      if (e.kind !== ENTRY_KINDS.sealed) throw new EdgelockError('E_LOCK_DESCRIPTOR', `seal entry of kind ${e.kind}`);
      const t = tensors[e.tensor];
      const buf = t ? info.buffers[t.buffer] : undefined;
      if (!t || !buf || buf.dataOffset === null || buf.size !== e.a) {
        throw new EdgelockError(
          'E_LOCK_DESCRIPTOR',
          `sealed tensor ${e.tensor} does not match the model (missing, not constant or ${e.a} bytes expected)`,
        );
      }
      const at = buf.dataOffset;
      bytes.set(xorStream(key, salt, e.b, bytes.subarray(at, at + buf.size)), at);
    }
  },

  keyBitCount: () => 256,

  withKeyBits(locked, d, bits) {
    const key = Buffer.alloc(32);
    for (let j = 0; j < 256; j++) if (bits[j]) key[j >> 3] |= 1 << (j & 7);
    return unseal(locked, d, key);
  },

  unknownInitializers: (d) => entriesOf(d).map((e) => e.name),
};
