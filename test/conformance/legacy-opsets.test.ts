/**
 * Opsets 7-10 are upgraded to 11 on import (src/onnx/upgrade.ts). For each op whose form changed,
 * a fixture written at its old opset (test/conformance/fixtures/build_legacy.py) is checked:
 * onnxruntime gives the same outputs for the file as written and for the upgraded model, and where
 * the op lowers, the compiled float .tflite matches onnxruntime on the original file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileFloat } from '../../src/compiler/compile-float';
import { serialize } from '../../src/compiler/serialize';
import { EdgelockError } from '../../src/errors';
import { shapeSize } from '../../src/ir/tensor';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { runOrt, seededRandom } from '../helpers/ort';
import { compareWithOnnx } from '../compiler/helpers/compare';

const FIXTURES = path.join(__dirname, 'fixtures');
const load = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, `legacy-${name}.onnx`)));

/** name, declared opset, the op it upgrades, the op after import, whether it compiles (float) */
const CASES: [string, number, string, string, boolean][] = [
  ['upsample7-nearest', 7, 'Upsample', 'Resize', true],
  ['upsample9-linear', 9, 'Upsample', 'Resize', true],
  ['resize10-nearest', 10, 'Resize', 'Resize', true],
  ['resize10-linear', 10, 'Resize', 'Resize', true],
  ['slice9', 9, 'Slice', 'Slice', true],
  ['pad9-constant', 9, 'Pad', 'Pad', true],
  ['pad9-reflect', 9, 'Pad', 'Pad', false],
  ['clip9-relu6', 9, 'Clip', 'Clip', true],
  ['clip9-min', 9, 'Clip', 'Clip', true],
  ['batchnorm7-spatial', 7, 'BatchNormalization', 'BatchNormalization', true],
  ['dropout7', 7, 'Dropout', 'Dropout', true],
];

async function maxDifference(original: Uint8Array, upgraded: Uint8Array): Promise<{ diff: number; span: number }> {
  const m = readOnnx(original);
  const rand = seededRandom(11);
  const feeds = Object.fromEntries(
    m.graph.inputs.map((v) => {
      const shape = v.shape as number[];
      return [
        v.name,
        {
          dtype: 'float32' as const,
          shape,
          data: Float32Array.from({ length: shapeSize(shape) }, () => rand() * 4 - 2),
        },
      ];
    }),
  );
  const a = await runOrt(original, feeds);
  const b = await runOrt(upgraded, feeds);
  let diff = 0;
  let span = 0;
  for (const name of Object.keys(a)) {
    const x = a[name].data as Float32Array;
    const y = b[name].data as Float32Array;
    expect(b[name].dims).toEqual(a[name].dims);
    span = Math.max(span, Math.max(...x) - Math.min(...x));
    for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i] - y[i]));
  }
  return { diff, span };
}

test.each(CASES)(
  '%s (opset %i): %s upgraded, same outputs in onnxruntime',
  async (name, opset, before, after, compiles) => {
    const bytes = load(name);
    const model = readOnnx(bytes);
    expect(model.upgradedFrom).toBe(opset);
    expect(model.opsetImports.find((o) => o.domain === '')?.version).toBe(11);
    const ops = model.graph.nodes.map((n) => n.opType);
    expect(ops).toContain(after);
    if (before !== after) expect(ops).not.toContain(before);
    for (const n of model.graph.nodes.filter((x) => x.opType === after)) {
      // the attribute forms are gone: what opset 11 takes as inputs is an input now
      for (const attr of ['starts', 'ends', 'pads', 'value', 'min', 'max', 'spatial', 'scales'])
        expect(n.attrs[attr]).toBeUndefined();
    }
    const { diff, span } = await maxDifference(bytes, writeOnnx(model));
    expect(diff).toBeLessThanOrEqual(1e-6 * Math.max(span, 1));

    if (compiles) {
      const compiled = compileFloat(bytes);
      expect(compiled.notes).toContain(`opset ${opset} upgraded to 11 on import`);
      const cmp = await compareWithOnnx(bytes, serialize(compiled.graph), compiled.graph, {
        samples: 4,
        range: [-2, 2],
      });
      expect(cmp.worstRelative).toBeLessThan(1e-5);
    }
  },
);

test('BatchNormalization-7 with spatial=0 is refused naming the node', () => {
  let err: unknown;
  try {
    readOnnx(load('batchnorm7-nonspatial'));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EdgelockError);
  expect((err as EdgelockError).code).toBe('E_ONNX_UNSUPPORTED_OP');
  expect((err as EdgelockError).message).toMatch(/spatial=0/);
  expect((err as EdgelockError).location).toMatchObject({ op: 'BatchNormalization' });
});

test('opset 6 and older are still refused', () => {
  const m = readOnnx(load('slice9'));
  m.opsetImports = [{ domain: '', version: 6 }];
  delete m.upgradedFrom;
  expect(() => readOnnx(writeOnnx(m))).toThrow(/opset 6; edgelock supports 7-18/);
});
