/**
 * The layers of src/: every top-level folder imports only folders of lower layers, and no file takes
 * part in an import cycle. ARCHITECTURE.md ("Layers") describes the same order.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImportGraph, importCycles, importGraph, layerViolations } from './import-graph';

const ROOT = path.resolve(__dirname, '../..');

/** Bottom first. A folder may import folders of the layers before its own; folders in one layer are independent. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'text', 'version.ts'],
  ['ir', 'tflite', 'keys', 'protocol'],
  ['onnx', 'device', 'data', 'train'],
  ['ops', 'formats', 'board'],
  ['passes', 'analysis', 'zoo', 'watermark'],
  ['compiler'],
  ['lock'],
  ['trace'],
  ['eval', 'package'],
  ['response-mark'],
  ['score-offsets'],
  ['attack'],
  ['inspect', 'factory', 'fingerprint'],
  ['report'],
  ['bench', 'demo'],
  ['cli'],
];

const graph = importGraph(ROOT);

describe('layers of src/', () => {
  test('the graph was read (sanity)', () => {
    expect(graph.size).toBeGreaterThan(300);
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/commands/index.ts');
  });

  test('no import cycle between files', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  test('every top-level folder imports only lower layers', () => {
    expect(layerViolations(graph, LAYERS)).toEqual([]);
  });

  test('every top-level folder and file of src/ is in the layer table exactly once', () => {
    const entries = fs.readdirSync(path.join(ROOT, 'src')).sort();
    const listed = LAYERS.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(entries);
  });

  test('every folder of src/ is described in ARCHITECTURE.md', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const folders = fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory());
    const missing = folders.map((e) => `src/${e.name}/`).filter((f) => !doc.includes('`' + f));
    expect(missing).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const g: ImportGraph = new Map([
    ['src/a/x.ts', ['src/b/y.ts']],
    ['src/b/y.ts', ['src/b/z.ts']],
    ['src/b/z.ts', ['src/a/x.ts']],
    ['src/c/w.ts', []],
  ]);

  test('a cycle through three files is found', () => {
    expect(importCycles(g)).toEqual([['src/a/x.ts', 'src/b/y.ts', 'src/b/z.ts']]);
  });

  test('an upward import and a folder missing from the table are reported', () => {
    const problems = layerViolations(g, [['b'], ['a']]);
    expect(problems).toEqual([
      'src/b/z.ts imports src/a/x.ts: b (layer 0) may only import layers below it, a is layer 1',
      'src/c is in no layer of the table',
    ]);
  });

  test('imports inside one folder and downward imports pass', () => {
    expect(layerViolations(new Map([['src/a/x.ts', ['src/a/y.ts', 'src/b/y.ts']]]), [['b'], ['a']])).toEqual([]);
  });
});
