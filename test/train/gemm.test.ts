/**
 * The GEMM kernels (plain JavaScript, WebAssembly SIMD, and the per-call dispatch the layers use)
 * against a naive float64 triple loop, over odd sizes, offsets and accumulation.
 */
import * as dispatch from '../../src/train/gemm';
import * as js from '../../src/train/gemm-js';
import * as simd from '../../src/train/gemm-wasm';
import { Rng } from '../../src/train/rng';

type Kernel = typeof js.gemmNN;
type Impl = { gemmNN: Kernel; gemmNT: Kernel; gemmTN: Kernel };
const IMPLS: Record<string, Impl> = { js, simd, dispatch };

/** Element (r, c) of the left/right operand as each kernel lays it out. */
const LAYOUT: Record<
  string,
  {
    a: (r: number, p: number, m: number, k: number) => number;
    b: (p: number, c: number, k: number, n: number) => number;
    kernel: (impl: Impl) => Kernel;
  }
> = {
  NN: { a: (r, p, _m, k) => r * k + p, b: (p, c, _k, n) => p * n + c, kernel: (i) => i.gemmNN },
  NT: { a: (r, p, _m, k) => r * k + p, b: (p, c, k) => c * k + p, kernel: (i) => i.gemmNT },
  TN: { a: (r, p, m) => p * m + r, b: (p, c, _k, n) => p * n + c, kernel: (i) => i.gemmTN },
};

test('WebAssembly SIMD is available on Node 20 (else the trainer silently runs the slower JS kernels)', () => {
  expect(simd.wasmSimdAvailable()).toBe(true);
});

describe.each(Object.keys(IMPLS).flatMap((impl) => Object.keys(LAYOUT).map((l) => [impl, l])))(
  '%s gemm%s',
  (impl, name) => {
    const { a: ai, b: bi } = LAYOUT[name];
    const kernel = LAYOUT[name].kernel(IMPLS[impl]);
    test.each([
      [1, 1, 1],
      [2, 4, 4],
      [3, 5, 7],
      [5, 9, 6],
      [16, 100, 150],
      [7, 3, 13],
      [6, 25, 784],
      [33, 17, 70],
    ])('m=%i n=%i k=%i', (m, n, k) => {
      const rng = new Rng(m * 100 + n * 10 + k);
      const aOff = 3;
      const bOff = 5;
      const cOff = 2;
      const A = rng.normalArray(aOff + m * k, 1);
      const B = rng.normalArray(bOff + k * n, 1);
      for (let i = 0; i < A.length; i += 3) A[i] = 0; // zeros (as after a relu) must not change results
      for (const accumulate of [false, true]) {
        const C = rng.normalArray(cOff + m * n + 4, 1);
        const before = C.slice();
        kernel(m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < n; c++) {
            let s = accumulate ? before[cOff + r * n + c] : 0;
            for (let p = 0; p < k; p++) s += A[aOff + ai(r, p, m, k)] * B[bOff + bi(p, c, k, n)];
            expect(Math.abs(C[cOff + r * n + c] - s)).toBeLessThan(1e-4 * (1 + Math.abs(s)));
          }
        }
        // Nothing outside the output block is touched.
        expect(Array.from(C.subarray(0, cOff))).toEqual(Array.from(before.subarray(0, cOff)));
        expect(Array.from(C.subarray(cOff + m * n))).toEqual(Array.from(before.subarray(cOff + m * n)));
      }
    });
  },
);
