/**
 * `--input-shape name:d0,d1,…` pins symbolic input dims before shape inference (compile and inspect);
 * inspect of a model with a symbolic batch counts MACs at batch 1.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { register as registerCompile } from '../../src/cli/commands/compile';
import { register as registerInspect } from '../../src/cli/commands/inspect';
import { compileFloat } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import { EdgelockError } from '../../src/errors';
import { parseInputShape } from '../../src/ir/pin-inputs';
import { runCommandsInProcess } from '../helpers/cli';
import { compareWithOnnx } from './helpers/compare';
import { GraphBuilder } from './helpers/graph';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-input-shape-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Conv 3→8 (3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 8→4 on x[N,3,H,W]. */
function cnn(shape: (number | string)[]): string {
  const b = new GraphBuilder(13, 3);
  const x = b.input('x', shape);
  const c = b.node('Conv', [x, b.weight('w', [8, 3, 3, 3]), b.weight('b', [8])], {
    pads: [1, 1, 1, 1],
    kernel_shape: [3, 3],
  });
  const f = b.node('Flatten', [b.node('GlobalAveragePool', [b.node('Relu', [c])])]);
  b.output(b.node('Gemm', [f, b.weight('fc', [4, 8]), b.weight('fcb', [4])], { transB: 1 }, 'y'));
  const file = path.join(dir, `cnn-${shape.join('x')}.onnx`);
  fs.writeFileSync(file, b.bytes());
  return file;
}

function run(args: string[]): Promise<string> {
  return runCommandsInProcess([registerCompile, registerInspect], args);
}

async function runError(args: string[]): Promise<EdgelockError> {
  try {
    await run(args);
  } catch (e) {
    if (e instanceof EdgelockError) return e;
    throw e;
  }
  throw new Error('command succeeded');
}

const dynamic = cnn(['N', 3, 'H', 'W']);

test('a symbolic H/W is refused with a hint naming the flag; pinned, the model compiles and matches onnxruntime', async () => {
  const refused = await runError(['compile', dynamic, '-o', path.join(dir, 'a.tflite')]);
  expect(refused.code).toBe('E_ONNX_DYNAMIC_SHAPE');
  expect(refused.message).toMatch(/--input-shape x:1,3,<n>,<n>/);

  const out = path.join(dir, 'pinned.tflite');
  const json = JSON.parse(await run(['compile', dynamic, '-o', out, '--input-shape', 'x:1,3,12,20', '--json']));
  expect(json.inputs[0].shape).toEqual([1, 12, 20, 3]);
  expect(json.notes.join('\n')).toMatch(/input 'x': shape \[N,3,H,W\] pinned to \[1,3,12,20\]/);

  const onnx = new Uint8Array(fs.readFileSync(dynamic));
  const pins = new Map([['x', [1, 3, 12, 20]]]);
  const compiled = compileFloat(onnx, { inputShapes: pins });
  const cmp = await compareWithOnnx(onnx, serialize(compiled.graph), compiled.graph, { samples: 4, inputShapes: pins });
  expect(cmp.worstRelative).toBeLessThan(1e-5);
});

test('symbols bound by one pinned input apply to the other inputs that use them', () => {
  const b = new GraphBuilder(13, 4);
  const x = b.input('x', [1, 'C', 6]);
  const z = b.input('z', [1, 'C', 6]);
  b.output(b.node('Add', [x, z], {}, 'y'));
  const compiled = compileFloat(b.bytes(), { inputShapes: new Map([['x', [1, 5, 6]]]) });
  expect(compiled.graph.inputs.map((i) => compiled.graph.tensors[i].shape)).toEqual([
    [1, 5, 6],
    [1, 5, 6],
  ]);
});

test.each([
  [['x:1,3,8'], /has rank 3; input 'x' has shape \[N,3,H,W\]/],
  [['x:1,4,8,8'], /sets dimension 1 to 4; the model fixes it to 3/],
  [['image:1,3,8,8'], /names 'image', which is not a model input \(inputs: 'x'\)/],
  [['x:1,3,8,8', 'x:1,3,8,8'], /gives input 'x' twice/],
  [['x=1,3,8,8'], /expects <name>:<d0,d1,…>/],
  [['x:1,3,0,8'], /expects <name>:<d0,d1,…>/],
])('bad --input-shape %j is a usage error', async (specs, message) => {
  const e = await runError([
    'compile',
    dynamic,
    '-o',
    path.join(dir, 'bad.tflite'),
    ...specs.flatMap((s) => ['--input-shape', s]),
  ]);
  expect(e.code).toBe('E_USAGE');
  expect(e.message).toMatch(message);
});

test('a name containing ":" is split at the last colon', () => {
  expect(parseInputShape('serving:0:1,3')).toEqual(['serving:0', [1, 3]]);
});

test('inspect: MACs at batch 1 for a symbolic batch, partial while H/W are symbolic, exact once pinned', async () => {
  const perImage = 12 * 20 * 8 * 27 + 4 * 8;
  const batch = JSON.parse(await run(['inspect', cnn(['N', 3, 12, 20]), '--json']));
  expect(batch.macs).toBe(perImage);
  expect(batch.macsBasis).toBe('batch 1');
  expect(await run(['inspect', cnn(['N', 3, 12, 20])])).toMatch(
    new RegExp(`MACs per inference ${perImage} \\(at batch 1\\)`),
  );

  const partial = JSON.parse(await run(['inspect', dynamic, '--json']));
  expect(partial.macsBasis).toBe('partial');

  const pinned = JSON.parse(await run(['inspect', dynamic, '--input-shape', 'x:1,3,12,20', '--json']));
  expect(pinned.macs).toBe(perImage);
  expect(pinned.macsBasis).toBe('static');
  expect(pinned.inputs[0].shape).toEqual([1, 3, 12, 20]);

  const fixed = JSON.parse(await run(['inspect', cnn([1, 3, 12, 20]), '--json']));
  expect(fixed.macs).toBe(perImage);
  expect(fixed.macsBasis).toBe('static');
});
