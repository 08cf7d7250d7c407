/** The one reader of the "edgelock" metadata entry (src/tflite/provenance.ts) on entries written by hand and by the compiler. */
import * as fs from 'fs';
import * as path from 'path';
import { compileFloat } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import {
  PROVENANCE_METADATA_KEY,
  readProvenance,
  recordedInputLayouts,
  recordedSourceSha256,
} from '../../src/tflite/provenance';
import { readTflite } from '../../src/tflite/reader';
import { sha256Hex } from '../../src/compiler/compile-float';

test('recordedInputLayouts reads the "edgelock" metadata entry and ignores anything else', () => {
  expect(recordedInputLayouts([{ name: 'edgelock', text: JSON.stringify({ inputLayouts: ['onnx-nhwc'] }) }])).toEqual([
    'onnx-nhwc',
  ]);
  expect(recordedInputLayouts([{ name: 'edgelock', text: 'not json' }])).toBeUndefined();
  expect(recordedInputLayouts([{ name: 'edgelock', text: '[1,2]' }])).toBeUndefined();
  expect(recordedInputLayouts([{ name: 'edgelock', text: JSON.stringify({ inputLayouts: [3] }) }])).toBeUndefined();
  expect(recordedInputLayouts([{ name: 'other', text: '{}' }])).toBeUndefined();
  expect(readProvenance([{ name: 'edgelock.watermark', text: '{"a":1}' }])).toBeNull();
  expect(recordedSourceSha256([{ name: 'edgelock', text: JSON.stringify({ sourceSha256: 7 }) }])).toBeUndefined();
});

test('what the compiler writes is what the reader reads back', () => {
  const onnx = new Uint8Array(fs.readFileSync(path.resolve(__dirname, '../../models/mnist-lenet.onnx')));
  const info = readTflite(serialize(compileFloat(onnx).graph));
  expect(info.metadata.map((m) => m.name)).toContain(PROVENANCE_METADATA_KEY);
  expect(recordedSourceSha256(info.metadata)).toBe(sha256Hex(onnx));
  expect(recordedInputLayouts(info.metadata)).toEqual(['nhwc']);
  expect(readProvenance(info.metadata)?.precision).toBe('float32');
});
