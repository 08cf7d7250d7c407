import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { compileFloat } from '../../src/compiler/compile-float';
import { readProvenance } from '../../src/tflite/provenance';
import * as flatbuffers from 'flatbuffers';
import { CompileResult, compileModel } from '../../src/compiler/compile';
import { serialize } from '../../src/compiler/serialize';
import { Model } from '../../src/tflite/generated';
import { readTflite, tfliteBufferData } from '../../src/tflite/reader';
import { TFLITE_OPS, TfliteOpName } from '../../src/tflite/builtins';
import { VERSION } from '../../src/version';
import { GraphBuilder } from './helpers/graph';

const MODEL = path.resolve(__dirname, '../../models/pytorch/torch-cnn-opset13.onnx');

describe('emitted .tflite files', () => {
  const sources: [string, Uint8Array][] = [['torch-cnn', new Uint8Array(fs.readFileSync(MODEL))]];
  const b = new GraphBuilder();
  const x = b.input('x', [1, 5]);
  b.output(b.node('Softmax', [b.node('Gemm', [x, b.weight('w', [5, 3]), b.weight('c', [3])])], { axis: 1 }));
  sources.push(['mlp', b.bytes()]);
  const files = sources.map(([name, onnx]) => {
    const compiled = compileFloat(onnx);
    const bytes = serialize(compiled.graph);
    return { name, onnx, compiled, bytes, info: readTflite(bytes) };
  });

  test.each(files.map((f) => [f.name, f]))('%s: every constant buffer starts on a 16-byte boundary', (_n, f) => {
    const withData = f.info.buffers.filter((buf) => buf.dataOffset !== null);
    expect(withData.length).toBeGreaterThan(0);
    for (const buf of withData) expect(buf.dataOffset! % 16).toBe(0);
  });

  test.each(files.map((f) => [f.name, f]))(
    '%s: activations use buffer 0, constants their own buffer with the lowered data',
    (_n, f) => {
      const sg = f.info.subgraphs[0];
      expect(f.info.buffers[0].size).toBe(0);
      const io = new Set([...f.compiled.graph.inputs, ...f.compiled.graph.outputs]);
      sg.tensors.forEach((t, i) => {
        const lowered = f.compiled.graph.tensors[i];
        // inputs and outputs keep their names; internal tensors are written without one (addressed by index)
        expect(t.name).toBe(io.has(i) ? lowered.name : '');
        if (lowered.data) {
          expect(t.buffer).toBeGreaterThan(0);
          const data = tfliteBufferData(f.bytes, f.info, t.buffer);
          expect(
            Buffer.from(data).equals(
              Buffer.from(lowered.data.buffer, lowered.data.byteOffset, lowered.data.byteLength),
            ),
          ).toBe(true);
        } else {
          expect(t.buffer).toBe(0);
        }
      });
    },
  );

  test.each(files.map((f) => [f.name, f]))(
    '%s: description and metadata carry the edgelock version and the source SHA-256',
    (_n, f) => {
      const sha = createHash('sha256').update(f.onnx).digest('hex');
      expect(f.info.description).toContain(VERSION);
      expect(f.info.description).toContain(sha);
      const g = f.compiled.graph;
      expect(readProvenance(f.info.metadata)).toEqual({
        version: VERSION,
        sourceSha256: sha,
        inputLayouts: g.inputLayouts,
        inputs: g.inputs.map((id, k) => ({
          name: g.tensors[id].name,
          shape: g.tensors[id].shape,
          layout: g.inputLayouts[k],
          reason: g.inputLayoutReasons![k],
        })),
        precision: 'float32',
      });
    },
  );

  test.each(files.map((f) => [f.name, f]))(
    '%s: one operator code per op with the float32 version (1) and the builtin code',
    (_n, f) => {
      const used = new Set(f.compiled.graph.ops.map((o) => o.op));
      expect(f.info.opcodes.map((o) => o.name).sort()).toEqual([...used].sort());
      for (const oc of f.info.opcodes) {
        expect(oc.builtinCode).toBe(TFLITE_OPS[oc.name as TfliteOpName].code);
        expect(oc.version).toBe(1);
      }
    },
  );
});

describe('int8 files: shared quantisation, names', () => {
  const onnx = new Uint8Array(fs.readFileSync(MODEL));
  let compiled: CompileResult;
  beforeAll(async () => {
    const calibration = {
      data: Float32Array.from({ length: 8 * 3 * 32 * 32 }, (_v, i) => Math.sin(i * 0.37) * 2),
      count: 8,
      sampleShape: [3, 32, 32],
    };
    compiled = await compileModel(onnx, { precision: 'int8', io: 'int8', calibration });
  });

  test('identical quantisation tables are written once; only inputs and outputs carry names', () => {
    const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(compiled.bytes));
    const sg = model.subgraphs(0)!;
    const byContent = new Map<string, Set<number>>();
    for (let i = 0; i < sg.tensorsLength(); i++) {
      const q = sg.tensors(i)!.quantization();
      if (!q || q.scaleLength() === 0) continue;
      const key = JSON.stringify([
        Array.from(q.scaleArray()!),
        Array.from({ length: q.zeroPointLength() }, (_v, k) => String(q.zeroPoint(k))),
        q.quantizedDimension(),
      ]);
      if (!byContent.has(key)) byContent.set(key, new Set());
      byContent.get(key)!.add(q.bb_pos);
    }
    for (const positions of byContent.values()) expect(positions.size).toBe(1);
    const names =
      sg.tensorsLength() - [...Array(sg.tensorsLength()).keys()].filter((i) => sg.tensors(i)!.name() === null).length;
    expect(names).toBe(new Set([...compiled.graph.inputs, ...compiled.graph.outputs]).size);
  });
});
