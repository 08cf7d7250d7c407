/**
 * The matrix products every trainable layer reduces to, dispatched per call: the WebAssembly SIMD
 * kernels (src/train/gemm-wasm.ts) when the runtime has them and the product is large enough to
 * pay for copying its operands, else the plain JavaScript kernels (src/train/gemm-js.ts).
 * EDGELOCK_TRAIN_KERNELS=js forces the JavaScript kernels (for comparison).
 */
import * as js from './gemm-js';
import * as simd from './gemm-wasm';
import type { Gemm } from './gemm-signature';

/** Products with fewer multiply-adds than this stay in JavaScript (copy overhead dominates). */
export const SIMD_MIN_MACS = 2048;

const useSimd = process.env.EDGELOCK_TRAIN_KERNELS !== 'js' && simd.wasmSimdAvailable();

function pick(fast: Gemm, plain: Gemm): Gemm {
  if (!useSimd) return plain;
  return (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) =>
    (m * n * k >= SIMD_MIN_MACS ? fast : plain)(m, n, k, A, aOff, B, bOff, C, cOff, accumulate);
}

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n] */
export const gemmNN: Gemm = pick(simd.gemmNN, js.gemmNN);
/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[n×k]ᵀ  (dot products of rows) */
export const gemmNT: Gemm = pick(simd.gemmNT, js.gemmNT);
/** C[m×n] = (accumulate ? C : 0) + A[k×m]ᵀ · B[k×n] */
export const gemmTN: Gemm = pick(simd.gemmTN, js.gemmTN);
