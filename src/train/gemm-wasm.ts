/**
 * The GEMM kernels of src/train/gemm-js.ts (same signatures and results up to rounding) run as
 * WebAssembly 128-bit SIMD: four single-precision lanes per instruction and four independent
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
import { I, T, WasmFunction, wasmModule } from './wasm-asm';

// nn(m, nv, k, a, ars, acs, b, c, acc): rows of B and C hold nv vectors of four floats
const NN = (() => {
  const [m, nv, k, a, ars, acs, b, c, acc] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [ns, i, jb, p, ap, bp, cp, v0, v1, v2, v3, sa] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  /** One pass over the columns of row i, `vs.length` vectors (4·vs.length columns) per step, while whole steps fit. */
  const columns = (vs: number[]) => {
    const width = 16 * vs.length;
    return [
      ...I.block, ...I.loop,
      ...I.get(jb), ...I.i32(width), ...I.i32Add, ...I.get(ns), ...I.i32GtU, ...I.brIf(1),
      ...I.get(acc), ...I.if,
      ...vs.flatMap((v, q) => [...I.get(cp), ...I.get(jb), ...I.i32Add, ...I.v128Load(16 * q), ...I.set(v)]),
      ...I.else,
      ...vs.flatMap((v) => [...I.v128Zero, ...I.set(v)]),
      ...I.end,
      ...I.get(a), ...I.get(i), ...I.get(ars), ...I.i32Mul, ...I.i32Add, ...I.set(ap),
      ...I.get(b), ...I.get(jb), ...I.i32Add, ...I.set(bp),
      ...I.get(k), ...I.set(p),
      ...I.block, ...I.loop,
      ...I.get(p), ...I.i32Eqz, ...I.brIf(1),
      ...I.get(ap), ...I.v128Load32Splat(), ...I.set(sa),
      ...vs.flatMap((v, q) => [...I.get(v), ...I.get(sa), ...I.get(bp), ...I.v128Load(16 * q), ...I.f32x4Mul, ...I.f32x4Add, ...I.set(v)]),
      ...I.get(ap), ...I.get(acs), ...I.i32Add, ...I.set(ap),
      ...I.get(bp), ...I.get(ns), ...I.i32Add, ...I.set(bp),
      ...I.get(p), ...I.i32(1), ...I.i32Sub, ...I.set(p),
      ...I.br(0),
      ...I.end, ...I.end,
      ...vs.flatMap((v, q) => [...I.get(cp), ...I.get(jb), ...I.i32Add, ...I.get(v), ...I.v128Store(16 * q)]),
      ...I.get(jb), ...I.i32(width), ...I.i32Add, ...I.set(jb),
      ...I.br(0),
      ...I.end, ...I.end,
    ];
  };
  const body = [
    ...I.get(nv), ...I.i32(16), ...I.i32Mul, ...I.set(ns),
    ...I.block, ...I.loop,
    ...I.get(i), ...I.get(m), ...I.i32GeU, ...I.brIf(1),
    ...I.get(c), ...I.get(i), ...I.get(ns), ...I.i32Mul, ...I.i32Add, ...I.set(cp),
    ...I.i32(0), ...I.set(jb),
    ...columns([v0, v1, v2, v3]),
    ...columns([v0]),
    ...I.get(i), ...I.i32(1), ...I.i32Add, ...I.set(i),
    ...I.br(0),
    ...I.end, ...I.end,
  ];
  const f: WasmFunction = { exportName: 'nn', params: new Array<number>(9).fill(T.i32), locals: [...new Array<number>(7).fill(T.i32), ...new Array<number>(5).fill(T.v128)], body };
  return f;
})();

// nt(m, nb, kq, a, b, c, acc)
const NT = (() => {
  const [m, nb, kq, a, b, c, acc] = [0, 1, 2, 3, 4, 5, 6];
  const [ks, cs, i, j, q, ap, bp, cp, bj, ks2, ks3, v0, v1, v2, v3, av] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const vs = [v0, v1, v2, v3];
  const rowAddr = [[...I.get(bp)], [...I.get(bp), ...I.get(ks), ...I.i32Add], [...I.get(bp), ...I.get(ks2), ...I.i32Add], [...I.get(bp), ...I.get(ks3), ...I.i32Add]];
  const body = [
    ...I.get(kq), ...I.i32(16), ...I.i32Mul, ...I.set(ks),
    ...I.get(ks), ...I.get(ks), ...I.i32Add, ...I.set(ks2),
    ...I.get(ks2), ...I.get(ks), ...I.i32Add, ...I.set(ks3),
    ...I.get(nb), ...I.i32(16), ...I.i32Mul, ...I.set(cs),
    ...I.block, ...I.loop,
    ...I.get(i), ...I.get(m), ...I.i32GeU, ...I.brIf(1),
    ...I.get(c), ...I.get(i), ...I.get(cs), ...I.i32Mul, ...I.i32Add, ...I.set(cp),
    ...I.i32(0), ...I.set(j),
    ...I.get(b), ...I.set(bj),
    ...I.block, ...I.loop,
    ...I.get(j), ...I.get(cs), ...I.i32GeU, ...I.brIf(1),
    ...vs.flatMap((v) => [...I.v128Zero, ...I.set(v)]),
    ...I.get(a), ...I.get(i), ...I.get(ks), ...I.i32Mul, ...I.i32Add, ...I.set(ap),
    ...I.get(bj), ...I.set(bp),
    ...I.get(kq), ...I.set(q),
    ...I.block, ...I.loop,
    ...I.get(q), ...I.i32Eqz, ...I.brIf(1),
    ...I.get(ap), ...I.v128Load(), ...I.set(av),
    ...vs.flatMap((v, r) => [...I.get(v), ...I.get(av), ...rowAddr[r], ...I.v128Load(), ...I.f32x4Mul, ...I.f32x4Add, ...I.set(v)]),
    ...I.get(ap), ...I.i32(16), ...I.i32Add, ...I.set(ap),
    ...I.get(bp), ...I.i32(16), ...I.i32Add, ...I.set(bp),
    ...I.get(q), ...I.i32(1), ...I.i32Sub, ...I.set(q),
    ...I.br(0),
    ...I.end, ...I.end,
    ...vs.flatMap((v, r) => [
      ...I.get(cp), ...I.get(j), ...I.i32Add,
      ...I.get(v), ...I.f32x4ExtractLane(0), ...I.get(v), ...I.f32x4ExtractLane(1), ...I.f32Add,
      ...I.get(v), ...I.f32x4ExtractLane(2), ...I.f32Add, ...I.get(v), ...I.f32x4ExtractLane(3), ...I.f32Add,
      ...I.get(acc), ...I.ifF32, ...I.get(cp), ...I.get(j), ...I.i32Add, ...I.f32Load(4 * r), ...I.else, ...I.f32Zero, ...I.end,
      ...I.f32Add,
      ...I.f32Store(4 * r),
    ]),
    ...I.get(j), ...I.i32(16), ...I.i32Add, ...I.set(j),
    ...I.get(bj), ...I.get(ks), ...I.i32(4), ...I.i32Mul, ...I.i32Add, ...I.set(bj),
    ...I.br(0),
    ...I.end, ...I.end,
    ...I.get(i), ...I.i32(1), ...I.i32Add, ...I.set(i),
    ...I.br(0),
    ...I.end, ...I.end,
  ];
  const f: WasmFunction = { exportName: 'nt', params: new Array<number>(7).fill(T.i32), locals: [...new Array<number>(11).fill(T.i32), ...new Array<number>(5).fill(T.v128)], body };
  return f;
})();

type NnFn = (m: number, nv: number, k: number, a: number, ars: number, acs: number, b: number, c: number, acc: number) => void;
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

const BYTES = wasmModule(1, [NN, NT]);
let kernels: Kernels | null | undefined;
let heap = new Float32Array(0);

/** The instantiated kernels, or null when this runtime lacks WebAssembly SIMD. */
function load(): Kernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  const wa = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wa && wa.validate(BYTES)) {
    const e = new wa.Instance(new wa.Module(BYTES), {}).exports;
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
function putRows(h: Float32Array, at: number, src: Float32Array, off: number, rows: number, cols: number, stride: number): void {
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

function getRows(h: Float32Array, at: number, dst: Float32Array, off: number, rows: number, cols: number, stride: number): void {
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

function nnLike(
  transA: boolean, m: number, n: number, k: number,
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, accumulate: boolean,
): void {
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
export function gemmNN(m: number, n: number, k: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, accumulate: boolean): void {
  nnLike(false, m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
}

/** C[m×n] = (accumulate ? C : 0) + A[k×m]ᵀ · B[k×n] */
export function gemmTN(m: number, n: number, k: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, accumulate: boolean): void {
  nnLike(true, m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
}

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[n×k]ᵀ */
export function gemmNT(m: number, n: number, k: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, accumulate: boolean): void {
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
}
