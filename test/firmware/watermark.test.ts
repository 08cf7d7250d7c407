/**
 * The firmware's watermark core (firmware-tools/core/watermark.c, built for the host with ASan+UBSan through
 * test/firmware/wm/wm_tool.c) against the TypeScript scheme in src/watermark, which test/watermark/scheme.test.ts
 * holds to the independent Python reference: DRBG words, rejection sampling, distinct draws, the stamp plan
 * (positions and signs in draw order), stamped float32 values bit for bit, and the int8 feed (TFLite rounding as
 * src/tflite/affine.ts) — for several signatures and parameters.
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { nchwToNhwc, quantizeAffine } from '../../src/tflite/affine';
import { Sha256Stream, distinctDraws } from '../../src/watermark/drbg';
import { TriggerParams } from '../../src/watermark/params';
import { ownerSignature } from '../../src/watermark/signature';
import { stamp, triggerPlan } from '../../src/watermark/triggers';
import { CORE_DIR, buildSanitizedTool } from './firmware-sources';

const ROOT = path.resolve(__dirname, '../..');
const TOOL = path.join(ROOT, 'build', 'test', 'wm_tool');

function buildTool(): string {
  const sources = [
    path.join(__dirname, 'wm', 'wm_tool.c'),
    path.join(CORE_DIR, 'watermark.c'),
    path.join(CORE_DIR, 'sha256.c'),
  ];
  const inputs = [
    ...sources,
    path.join(CORE_DIR, 'el_watermark.h'),
    path.join(CORE_DIR, 'el_sha256.h'),
    path.join(CORE_DIR, 'el_bytes.h'),
  ];
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(TOOL) && fs.statSync(TOOL).mtimeMs > newest) return TOOL;
  return buildSanitizedTool(TOOL, ['-I', CORE_DIR, ...sources], { pedantic: true });
}

function run(lines: string[]): string[] {
  const out = execFileSync(buildTool(), [], {
    input: lines.join('\n') + '\n',
    maxBuffer: 256 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
  })
    .toString()
    .trimEnd()
    .split('\n');
  if (out.length !== lines.length) throw new Error(`wm_tool answered ${out.length} lines for ${lines.length}`);
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const f32hex = (v: number): string => hex(new Uint8Array(Float32Array.of(v).buffer));
const floatsHex = (x: Float32Array): string => hex(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
const list = (s: string): number[] => (s === '' ? [] : s.split(',').map(Number));

/** Deterministic pseudo-random bytes (SHA-256 counter mode over a label) for test inputs. */
function bytes(label: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, off = 0; off < n; i++) {
    const b = createHash('sha256').update(`${label}/${i}`).digest();
    b.copy(out, off);
    off += b.length;
  }
  return out;
}

const SIGNATURES: [string, Uint8Array][] = [
  [
    'alice / key 00..1f',
    ownerSignature(
      Uint8Array.from({ length: 32 }, (_, i) => i),
      'alice',
    ),
  ],
  [
    'acme-vision / robustness demo key',
    ownerSignature(createHash('sha256').update('edgelock watermark robustness demo key').digest(), 'acme-vision'),
  ],
  ['all-zero signature', new Uint8Array(32)],
  ['random signature', bytes('sig', 32)],
];

describe.each(SIGNATURES)('signature %s', (_name, sig) => {
  test('DRBG words of several streams', () => {
    const tags = ['positions', 'signs', 'labels', 'bases'];
    const got = run(tags.map((t) => `words ${hex(sig)} ${t} 37`));
    tags.forEach((t, i) => {
      const s = new Sha256Stream(sig, t);
      expect(list(got[i])).toEqual(Array.from({ length: 37 }, () => s.nextU32()));
    });
  });

  test('uniform(n) by rejection, including n = 1, 2^31 + 1 (half the words rejected) and 2^32', () => {
    const ns = [1, 2, 3, 10, 784, 60000, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32];
    const got = run(ns.map((n) => `uniform ${hex(sig)} positions ${n} 200`));
    ns.forEach((n, i) => {
      const s = new Sha256Stream(sig, 'positions');
      expect(list(got[i])).toEqual(Array.from({ length: 200 }, () => s.uniform(n)));
    });
  });

  test('distinct(k, n), also k = n (every value, coupon-collector order)', () => {
    const cases: [number, number][] = [
      [1, 1],
      [39, 784],
      [100, 60000],
      [500, 500],
      [12, 13],
    ];
    const got = run(cases.map(([k, n]) => `distinct ${hex(sig)} bases ${k} ${n}`));
    cases.forEach(([k, n], i) => expect(list(got[i])).toEqual(distinctDraws(new Sha256Stream(sig, 'bases'), k, n)));
    expect(run([`distinct ${hex(sig)} bases 5 4`])).toEqual(['refused']);
  });

  test('stamp plan: positions and signs in draw order equal triggerPlan', () => {
    const cases: [number, number][] = [
      [39, 784],
      [1, 1],
      [1, 784],
      [784, 784],
      [153, 3072],
      [5, 7],
    ];
    const got = run(cases.map(([p, n]) => `plan ${hex(sig)} ${p} ${n}`));
    cases.forEach(([p, n], i) => {
      const params: TriggerParams = {
        triggers: 1,
        positions: p,
        delta: 1,
        range: [0, 1],
        classes: 10,
        baseCount: 1,
        sampleSize: n,
      };
      const plan = triggerPlan(sig, params);
      const [pos, signs] = got[i].split(';');
      expect(list(pos)).toEqual(plan.positions);
      expect(list(signs)).toEqual(plan.signs);
    });
    expect(run([`plan ${hex(sig)} 0 10`, `plan ${hex(sig)} 11 10`])).toEqual(['refused', 'refused']);
  });
});

describe('stamped samples are bit-identical to src/watermark stamp()', () => {
  const sig = SIGNATURES[1][1];
  // [positions, sample size, delta, lo, hi, value generator]
  const cases: [string, number, number, number, number, number, (i: number, r: number) => number][] = [
    [
      'MNIST-like k/255 values, delta 0.93, range [0, 1]',
      39,
      784,
      0.9300000071525574,
      0,
      1,
      (_i, r) => Math.round(r * 255) / 255,
    ],
    ['values in [-3, 5], odd delta, range [-2.5, 4.25]', 200, 1000, 0.3333333, -2.5, 4.25, (_i, r) => -3 + 8 * r],
    ['every position stamped', 64, 64, 1e-3, -1, 1, (_i, r) => 2 * r - 1],
    [
      'tiny values: float32 rounding of x + delta matters',
      50,
      300,
      1.0000001,
      -1e-3,
      2,
      (i, r) => (i % 2 ? 1e-9 : 1) * r,
    ],
  ];
  test.each(cases)('%s', (_name, p, n, delta, lo, hi, gen) => {
    const r = bytes(`values/${_name}`, 4 * n);
    const x = Float32Array.from({ length: n }, (_, i) => gen(i, r.readUInt32LE(4 * i) / 2 ** 32));
    const params: TriggerParams = {
      triggers: 1,
      positions: p,
      delta,
      range: [lo, hi],
      classes: 10,
      baseCount: 1,
      sampleSize: n,
    };
    const want = Float32Array.from(x);
    stamp(want, triggerPlan(sig, params), params);
    const [got] = run([`stamp ${hex(sig)} ${p} ${f32hex(delta)} ${f32hex(lo)} ${f32hex(hi)} ${floatsHex(x)}`]);
    expect(got).toBe(floatsHex(want));
    // the stamp changed what it should: p positions moved (unless clamped at a bound already)
    let changed = 0;
    for (let i = 0; i < n; i++) if (want[i] !== x[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(p);
  });
});

describe('int8 feed equals src/tflite/affine.ts quantizeAffine (TFLite rounding)', () => {
  const cases: [string, number, number, (i: number, r: number) => number][] = [
    ['MNIST input scale 1/255, zero point -128', 0.003921568859368563, -128, (_i, r) => Math.round(r * 255) / 255],
    ['exact ties round half away from zero', 0.5, 0, (i) => (i % 2 ? -1 : 1) * (i / 4 + 0.25)],
    ['ties with a zero point', 0.25, 7, (i) => (i - 200) * 0.125],
    ['saturation far outside the range', 0.01, 3, (i, r) => (r - 0.5) * 10 ** (i % 12)],
    ['random values, random scale', 0.0371, -17, (_i, r) => (r - 0.4) * 9],
  ];
  test.each(cases)('%s', (_name, scale, zp, gen) => {
    const n = 400;
    const r = bytes(`quant/${_name}`, 4 * n);
    const x = Float32Array.from({ length: n }, (_, i) => gen(i, r.readUInt32LE(4 * i) / 2 ** 32));
    const s32 = Math.fround(scale);
    const [got] = run([`quant ${f32hex(s32)} ${zp} ${floatsHex(x)}`]);
    expect(list(got)).toEqual(Array.from(quantizeAffine(x, s32, zp)));
  });

  test('ties are really exercised (the half-away rule decides)', () => {
    const x = Float32Array.of(1.25, -1.25, 0.25, -0.25);
    expect(run([`quant ${f32hex(0.5)} 0 ${floatsHex(x)}`])).toEqual(['3,-3,1,-1']);
  });

  test('channels-last move used by the board equals nchwToNhwc', () => {
    const shapes: [number, number, number][] = [
      [3, 4, 5],
      [1, 28, 28],
      [16, 2, 3],
    ];
    const got = run(shapes.map(([c, h, w]) => `layout ${c} ${h * w}`));
    shapes.forEach(([c, h, w], k) => {
      const src = Float32Array.from({ length: c * h * w }, (_, i) => i);
      const dst = new Float32Array(src.length);
      list(got[k]).forEach((to, i) => (dst[to] = src[i]));
      expect(Array.from(dst)).toEqual(Array.from(nchwToNhwc(src, c, h, w)));
    });
  });
});

test('arg-max takes the first largest int8 (as argmaxRows)', () => {
  expect(run(['argmax8 0105057f7f00', 'argmax8 80', 'argmax8 8081807f'])).toEqual(['3', '0', '3']);
});
