import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { compileFloat, METADATA_KEY } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import { readTflite, tfliteBufferData } from '../../src/tflite/reader';
import { TFLITE_OPS, TfliteOpName } from '../../src/tflite/opcodes';
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

  test.each(files.map((f) => [f.name, f]))('%s: activations use buffer 0, constants their own buffer with the lowered data', (_n, f) => {
    const sg = f.info.subgraphs[0];
    expect(f.info.buffers[0].size).toBe(0);
    sg.tensors.forEach((t, i) => {
      const lowered = f.compiled.graph.tensors[i];
      expect(t.name).toBe(lowered.name);
      if (lowered.data) {
        expect(t.buffer).toBeGreaterThan(0);
        const data = tfliteBufferData(f.bytes, f.info, t.buffer);
        expect(Buffer.from(data).equals(Buffer.from(lowered.data.buffer, lowered.data.byteOffset, lowered.data.byteLength))).toBe(true);
      } else {
        expect(t.buffer).toBe(0);
      }
    });
  });

  test.each(files.map((f) => [f.name, f]))('%s: description and metadata carry the edgelock version and the source SHA-256', (_n, f) => {
    const sha = createHash('sha256').update(f.onnx).digest('hex');
    expect(f.info.description).toContain(VERSION);
    expect(f.info.description).toContain(sha);
    const entry = f.info.metadata.find((m) => m.name === METADATA_KEY)!;
    expect(JSON.parse(entry.text!)).toEqual({ version: VERSION, sourceSha256: sha, inputLayouts: f.compiled.graph.inputLayouts, precision: 'float32' });
  });

  test.each(files.map((f) => [f.name, f]))('%s: one operator code per op with the float32 version (1) and the builtin code', (_n, f) => {
    const used = new Set(f.compiled.graph.ops.map((o) => o.op));
    expect(f.info.opcodes.map((o) => o.name).sort()).toEqual([...used].sort());
    for (const oc of f.info.opcodes) {
      expect(oc.builtinCode).toBe(TFLITE_OPS[oc.name as TfliteOpName].code);
      expect(oc.version).toBe(1);
    }
  });
});
