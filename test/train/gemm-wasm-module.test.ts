/**
 * The trainer's WebAssembly module (src/train/gemm-wasm.wat → gemm-wasm.wasm):
 * - the committed binary is exactly what wabt assembles from the text (run `npx tsx scripts/gen-wasm.ts`);
 * - it validates and exports what gemm-wasm.ts calls;
 * - on random shapes its products are bit-identical to the float32 operation sequence the .wat
 *   documents (emulated here with Math.fround: WebAssembly forbids fusing the multiply and add);
 * - they agree with the JavaScript fallback (double accumulation) within the float32
 *   recursive-summation bound |Δ| ≤ (k + 5)·2⁻²⁴·(|C₀| + Σ|a·b|).
 */
import * as fs from 'fs';
import { WASM_FILE, WAT_FILE, assembleWat } from '../../scripts/gen-wasm';
import * as js from '../../src/train/gemm-js';
import * as simd from '../../src/train/gemm-wasm';
import { Rng } from '../../src/train/rng';

const f = Math.fround;

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: { new (bytes: Uint8Array): object; exports(m: object): { name: string; kind: string }[] };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

test('the committed .wasm is a fresh wabt assembly of the .wat', async () => {
  expect(simd.WASM_PATH).toBe(WASM_FILE);
  const fresh = await assembleWat(WAT_FILE);
  const committed = new Uint8Array(fs.readFileSync(WASM_FILE));
  expect(Buffer.from(committed).equals(Buffer.from(fresh))).toBe(true);
});

test('the module validates and exports memory, nn(9 i32) and nt(7 i32); a truncated one does not validate', () => {
  const bytes = new Uint8Array(fs.readFileSync(WASM_FILE));
  expect(wa.validate(bytes)).toBe(true);
  const mod = new wa.Module(bytes);
  expect(wa.Module.exports(mod)).toEqual([
    { name: 'memory', kind: 'memory' },
    { name: 'nn', kind: 'function' },
    { name: 'nt', kind: 'function' },
  ]);
  const e = new wa.Instance(mod, {}).exports;
  expect((e.nn as (...a: number[]) => void).length).toBe(9);
  expect((e.nt as (...a: number[]) => void).length).toBe(7);
  expect(wa.validate(bytes.subarray(0, bytes.length - 1))).toBe(false);
  expect(simd.wasmSimdAvailable()).toBe(true);
});

type Kernel = typeof js.gemmNN;
type Layout = 'NN' | 'NT' | 'TN';
const KERNELS: Record<Layout, { simd: Kernel; js: Kernel }> = {
  NN: { simd: simd.gemmNN, js: js.gemmNN },
  NT: { simd: simd.gemmNT, js: js.gemmNT },
  TN: { simd: simd.gemmTN, js: js.gemmTN },
};
/** Index of A(r, p) and B(p, c) in each layout. */
const A_AT: Record<Layout, (r: number, p: number, m: number, k: number) => number> = {
  NN: (r, p, _m, k) => r * k + p,
  NT: (r, p, _m, k) => r * k + p,
  TN: (r, p, m) => p * m + r,
};
const B_AT: Record<Layout, (p: number, c: number, k: number, n: number) => number> = {
  NN: (p, c, _k, n) => p * n + c,
  NT: (p, c, k) => c * k + p,
  TN: (p, c, _k, n) => p * n + c,
};

/** What the .wat computes for C(r, c), in float32 steps. */
function emulate(
  layout: Layout,
  r: number,
  c: number,
  m: number,
  n: number,
  k: number,
  A: Float32Array,
  B: Float32Array,
  c0: number,
): number {
  const a = (p: number) => A[A_AT[layout](r, p, m, k)];
  const b = (p: number) => B[B_AT[layout](p, c, k, n)];
  if (layout !== 'NT') {
    // nn: the accumulator starts at C (or 0) and adds one rounded product per step.
    let s = f(c0);
    for (let p = 0; p < k; p++) s = f(s + f(a(p) * b(p)));
    return s;
  }
  // nt: four lanes over the zero-padded row, lane p % 4 takes product p; then ((l0 + l1) + l2) + l3, then + C (or 0).
  const lanes = [0, 0, 0, 0];
  const kq = Math.ceil(k / 4);
  for (let p = 0; p < 4 * kq; p++) lanes[p % 4] = f(lanes[p % 4] + (p < k ? f(a(p) * b(p)) : 0));
  return f(f(f(f(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]) + f(c0));
}

/** Random shapes: small and odd ones, and some past the 16-column blocking and the 4-float padding. */
function shapes(seed: number, count: number): [number, number, number][] {
  const rng = new Rng(seed);
  const out: [number, number, number][] = [
    [1, 1, 1],
    [1, 16, 1],
    [4, 17, 3],
    [2, 15, 5],
  ];
  while (out.length < count) out.push([1 + rng.int(40), 1 + rng.int(70), 1 + rng.int(300)]);
  return out;
}

describe.each(['NN', 'NT', 'TN'] as Layout[])('gemm%s in WebAssembly', (layout) => {
  const title = 'm=%i n=%i k=%i: bit-exact with its float32 sequence, within the bound of the JS kernel';
  test.each(shapes(layout.charCodeAt(0) * 31 + layout.charCodeAt(1), 24))(title, (m, n, k) => {
    const rng = new Rng(m * 100003 + n * 1009 + k);
    const [aOff, bOff, cOff] = [1 + rng.int(5), rng.int(5), rng.int(5)];
    const A = rng.normalArray(aOff + m * k, 1);
    const B = rng.normalArray(bOff + k * n, 1);
    for (let i = 0; i < A.length; i += 3) A[i] = 0; // as after a relu
    for (const accumulate of [false, true]) {
      const C0 = rng.normalArray(cOff + m * n + 3, 1);
      const Cw = C0.slice();
      const Cj = C0.slice();
      KERNELS[layout].simd(m, n, k, A, aOff, B, bOff, Cw, cOff, accumulate);
      KERNELS[layout].js(m, n, k, A, aOff, B, bOff, Cj, cOff, accumulate);
      let inexact = 0;
      let outOfBound = 0;
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < n; c++) {
          const at = cOff + r * n + c;
          const c0 = accumulate ? C0[at] : 0;
          if (!Object.is(Cw[at], emulate(layout, r, c, m, n, k, A.subarray(aOff), B.subarray(bOff), c0))) inexact++;
          let mass = Math.abs(c0);
          for (let p = 0; p < k; p++)
            mass += Math.abs(A[aOff + A_AT[layout](r, p, m, k)] * B[bOff + B_AT[layout](p, c, k, n)]);
          if (Math.abs(Cw[at] - Cj[at]) > (k + 5) * 2 ** -24 * mass) outOfBound++;
        }
      }
      expect({ accumulate, inexact, outOfBound }).toEqual({ accumulate, inexact: 0, outOfBound: 0 });
      // Nothing outside the output block is touched.
      expect(Array.from(Cw.subarray(0, cOff))).toEqual(Array.from(C0.subarray(0, cOff)));
      expect(Array.from(Cw.subarray(cOff + m * n))).toEqual(Array.from(C0.subarray(cOff + m * n)));
    }
  });
});
