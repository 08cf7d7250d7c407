/**
 * The signature of every matrix product of the trainer (src/train/gemm.ts and its kernels, gemm-js.ts and
 * gemm-wasm.ts): row-major Float32Array matrices addressed by offsets, C[m×n] = (accumulate ? C : 0) + A·B with the
 * operands' layout given by the product's name (NN, NT, TN).
 */
export type Gemm = (
  m: number,
  n: number,
  k: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  accumulate: boolean,
) => void;
