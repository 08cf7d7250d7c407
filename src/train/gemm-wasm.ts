/**
 * The GEMM kernels of src/train/gemm-js.ts (same signatures and results up to rounding) run as
 * WebAssembly 128-bit SIMD (written in src/train/gemm-wasm.wat, whose comments describe them): four single-precision lanes per instruction and four independent
 * accumulators per inner loop. Operands are copied into the module's linear memory (padded so
 * that rows are whole vectors), the kernel runs there, and the output block is copied back;
 * copies cost O(m·k + k·n + m·n) against the product's O(m·n·k).
 *
 * Two kernels cover the three layouts:
 * - `nn`: C[m × 4·nv] (+)= A · B[k × 4·nv] where A's element (i, p) is at a + i·ars + p·acs
 *   (bytes), so A may be stored row-major (gemmNN) or transposed (gemmTN); each step broadcasts
 *   one A element and multiplies four vectors (16 columns) of a B row, then single vectors for
 *   the last columns.
 * - `nt`: C[m × 4·nb] (+)= A[m × 4·kq] · B[4·nb × 4·kq]ᵀ: dot products of rows four floats at a
 *   time, four B rows per A row, then a horizontal sum of each accumulator.
 * Accumulation is in single precision (the JS kernels accumulate in double and round once).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Gemm } from './gemm-signature';

/**
 * The assembled kernels (src/train/gemm-wasm.wat → gemm-wasm.wasm by scripts/gen-wasm.ts). The
 * binary stays in src/train: from dist/train (compiled) and src/train (ts-jest, tsx) alike it is
 * two folders up, then src/train.
 */
export const WASM_PATH = path.resolve(__dirname, '..', '..', 'src', 'train', 'gemm-wasm.wasm');

type NnFn = (
  m: number,
  nv: number,
  k: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  c: number,
  acc: number,
) => void;
type NtFn = (m: number, nb: number, kq: number, a: number, b: number, c: number, acc: number) => void;

/** The parts of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface Kernels {
  memory: WasmMemory;
  nn: NnFn;
  nt: NtFn;
}

let kernels: Kernels | null | undefined;
let heap = new Float32Array(0);

/** The instantiated kernels, or null when this runtime lacks WebAssembly SIMD (the module does not validate). */
function load(): Kernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  const wa = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = new Uint8Array(fs.readFileSync(WASM_PATH)); // part of the source tree: missing is an install error, not a fallback
  if (wa && wa.validate(bytes)) {
    const e = new wa.Instance(new wa.Module(bytes), {}).exports;
    kernels = { memory: e.memory as WasmMemory, nn: e.nn as NnFn, nt: e.nt as NtFn };
    heap = new Float32Array(kernels.memory.buffer);
  }
  return kernels;
}

export function wasmSimdAvailable(): boolean {
  return load() !== null;
}

/** The heap as floats, grown to hold at least `floats` of them. */
function reserve(k: Kernels, floats: number): Float32Array {
  if (heap.length < floats || heap.buffer !== k.memory.buffer) {
    const need = floats * 4 - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    heap = new Float32Array(k.memory.buffer);
  }
  return heap;
}

const up = (v: number, to: number) => Math.ceil(v / to) * to;

/** Rows shorter than this are copied by a loop (a subarray per row costs more than the copy). */
const SHORT_ROW = 64;

/** Copies `rows` rows of `cols` floats (source stride `cols`) to the heap at stride `stride`, zeroing the padding. */
function putRows(
  h: Float32Array,
  at: number,
  src: Float32Array,
  off: number,
  rows: number,
  cols: number,
  stride: number,
): void {
  if (stride === cols) {
    h.set(src.subarray(off, off + rows * cols), at);
    return;
  }
  if (cols < SHORT_ROW) {
    for (let r = 0; r < rows; r++) {
      let d = at + r * stride;
      const s = off + r * cols;
      for (let c = 0; c < cols; c++) h[d++] = src[s + c];
      for (const e = at + (r + 1) * stride; d < e; d++) h[d] = 0;
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    h.set(src.subarray(off + r * cols, off + (r + 1) * cols), at + r * stride);
    h.fill(0, at + r * stride + cols, at + (r + 1) * stride);
  }
}

function getRows(
  h: Float32Array,
  at: number,
  dst: Float32Array,
  off: number,
  rows: number,
  cols: number,
  stride: number,
): void {
  if (stride === cols) {
    dst.set(h.subarray(at, at + rows * cols), off);
    return;
  }
  if (cols < SHORT_ROW) {
    for (let r = 0; r < rows; r++) {
      const s = at + r * stride;
      const d = off + r * cols;
      for (let c = 0; c < cols; c++) dst[d + c] = h[s + c];
    }
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(h.subarray(at + r * stride, at + r * stride + cols), off + r * cols);
}

function nnLike(transA: boolean, ...[m, n, k, A, aOff, B, bOff, C, cOff, accumulate]: Parameters<Gemm>): void {
  const kern = load()!;
  const ns = up(n, 4);
  const aAt = 0;
  const bAt = up(m * k, 4);
  const cAt = bAt + k * ns;
  const h = reserve(kern, cAt + m * ns);
  h.set(A.subarray(aOff, aOff + m * k), aAt);
  putRows(h, bAt, B, bOff, k, n, ns);
  if (accumulate) putRows(h, cAt, C, cOff, m, n, ns);
  const [ars, acs] = transA ? [4, m * 4] : [k * 4, 4];
  kern.nn(m, ns / 4, k, aAt * 4, ars, acs, bAt * 4, cAt * 4, accumulate ? 1 : 0);
  getRows(h, cAt, C, cOff, m, n, ns);
}

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n] */
export const gemmNN: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  nnLike(false, m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
};

/** C[m×n] = (accumulate ? C : 0) + A[k×m]ᵀ · B[k×n] */
export const gemmTN: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  nnLike(true, m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
};

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[n×k]ᵀ */
export const gemmNT: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  const kern = load()!;
  const ks = up(k, 4);
  const n4 = up(n, 4);
  const aAt = 0;
  const bAt = m * ks;
  const cAt = bAt + n4 * ks;
  const h = reserve(kern, cAt + m * n4);
  putRows(h, aAt, A, aOff, m, k, ks);
  putRows(h, bAt, B, bOff, n, k, ks);
  if (n4 > n) h.fill(0, bAt + n * ks, bAt + n4 * ks);
  if (accumulate) putRows(h, cAt, C, cOff, m, n, n4);
  kern.nt(m, n4 / 4, ks / 4, aAt * 4, bAt * 4, cAt * 4, accumulate ? 1 : 0);
  getRows(h, cAt, C, cOff, m, n, n4);
};
