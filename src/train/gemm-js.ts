/**
 * Matrix products on Float32Array row-major matrices addressed by offsets, in plain JavaScript
 * (products accumulate in double precision): the fallback of src/train/gemm.ts for runtimes
 * without WebAssembly SIMD and for products too small to pay for the copies. Loops run along contiguous rows; two output
 * rows share each load of the other operand and the reduction is unrolled by four, so each
 * output element is loaded and stored once per four products. Every output element is computed
 * with the same sequence of operations whatever the blocking, so results do not depend on it.
 */
import type { Gemm } from './gemm-signature';

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n] */
export const gemmNN: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const c0 = cOff + i * n;
    const c1 = c0 + n;
    if (!accumulate) C.fill(0, c0, c1 + n);
    const r0 = aOff + i * k;
    const r1 = r0 + k;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const x0 = A[r0 + p],
        x1 = A[r0 + p + 1],
        x2 = A[r0 + p + 2],
        x3 = A[r0 + p + 3];
      const y0 = A[r1 + p],
        y1 = A[r1 + p + 1],
        y2 = A[r1 + p + 2],
        y3 = A[r1 + p + 3];
      const b0 = bOff + p * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const v0 = B[b0 + j],
          v1 = B[b1 + j],
          v2 = B[b2 + j],
          v3 = B[b3 + j];
        C[c0 + j] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
        C[c1 + j] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
      }
    }
    for (; p < k; p++) {
      const x = A[r0 + p];
      const y = A[r1 + p];
      const b0 = bOff + p * n;
      for (let j = 0; j < n; j++) {
        const v = B[b0 + j];
        C[c0 + j] += x * v;
        C[c1 + j] += y * v;
      }
    }
  }
  if (i < m) gemmNNRow(n, k, A, aOff + i * k, B, bOff, C, cOff + i * n, accumulate);
};

function gemmNNRow(
  n: number,
  k: number,
  A: Float32Array,
  ai: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  ci: number,
  accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, ci, ci + n);
  let p = 0;
  for (; p + 3 < k; p += 4) {
    const a0 = A[ai + p],
      a1 = A[ai + p + 1],
      a2 = A[ai + p + 2],
      a3 = A[ai + p + 3];
    const b0 = bOff + p * n,
      b1 = b0 + n,
      b2 = b1 + n,
      b3 = b2 + n;
    for (let j = 0; j < n; j++) C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
  }
  for (; p < k; p++) {
    const a = A[ai + p];
    const b0 = bOff + p * n;
    for (let j = 0; j < n; j++) C[ci + j] += a * B[b0 + j];
  }
}

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[n×k]ᵀ  (dot products of rows) */
export const gemmNT: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const r0 = aOff + i * k;
    const r1 = r0 + k;
    const c0 = cOff + i * n;
    const c1 = c0 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        t0 = 0,
        t1 = 0,
        t2 = 0,
        t3 = 0;
      for (let p = 0; p < k; p++) {
        const x = A[r0 + p];
        const y = A[r1 + p];
        const v0 = B[b0 + p],
          v1 = B[b1 + p],
          v2 = B[b2 + p],
          v3 = B[b3 + p];
        s0 += x * v0;
        s1 += x * v1;
        s2 += x * v2;
        s3 += x * v3;
        t0 += y * v0;
        t1 += y * v1;
        t2 += y * v2;
        t3 += y * v3;
      }
      if (accumulate) {
        C[c0 + j] += s0;
        C[c0 + j + 1] += s1;
        C[c0 + j + 2] += s2;
        C[c0 + j + 3] += s3;
        C[c1 + j] += t0;
        C[c1 + j + 1] += t1;
        C[c1 + j + 2] += t2;
        C[c1 + j + 3] += t3;
      } else {
        C[c0 + j] = s0;
        C[c0 + j + 1] = s1;
        C[c0 + j + 2] = s2;
        C[c0 + j + 3] = s3;
        C[c1 + j] = t0;
        C[c1 + j + 1] = t1;
        C[c1 + j + 2] = t2;
        C[c1 + j + 3] = t3;
      }
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const v = B[b0 + p];
        s += A[r0 + p] * v;
        t += A[r1 + p] * v;
      }
      C[c0 + j] = accumulate ? C[c0 + j] + s : s;
      C[c1 + j] = accumulate ? C[c1 + j] + t : t;
    }
  }
  if (i < m) gemmNTRow(n, k, A, aOff + i * k, B, bOff, C, cOff + i * n, accumulate);
};

function gemmNTRow(
  n: number,
  k: number,
  A: Float32Array,
  ai: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  ci: number,
  accumulate: boolean,
): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const b0 = bOff + j * k,
      b1 = b0 + k,
      b2 = b1 + k,
      b3 = b2 + k;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let p = 0; p < k; p++) {
      const a = A[ai + p];
      s0 += a * B[b0 + p];
      s1 += a * B[b1 + p];
      s2 += a * B[b2 + p];
      s3 += a * B[b3 + p];
    }
    if (accumulate) {
      C[ci + j] += s0;
      C[ci + j + 1] += s1;
      C[ci + j + 2] += s2;
      C[ci + j + 3] += s3;
    } else {
      C[ci + j] = s0;
      C[ci + j + 1] = s1;
      C[ci + j + 2] = s2;
      C[ci + j + 3] = s3;
    }
  }
  for (; j < n; j++) {
    const b0 = bOff + j * k;
    let s = 0;
    for (let p = 0; p < k; p++) s += A[ai + p] * B[b0 + p];
    C[ci + j] = accumulate ? C[ci + j] + s : s;
  }
}

/** C[m×n] = (accumulate ? C : 0) + A[k×m]ᵀ · B[k×n] */
export const gemmTN: Gemm = (m, n, k, A, aOff, B, bOff, C, cOff, accumulate) => {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const c0 = cOff + i * n;
    const c1 = c0 + n;
    if (!accumulate) C.fill(0, c0, c1 + n);
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const q0 = aOff + p * m + i,
        q1 = q0 + m,
        q2 = q1 + m,
        q3 = q2 + m;
      const x0 = A[q0],
        x1 = A[q1],
        x2 = A[q2],
        x3 = A[q3];
      const y0 = A[q0 + 1],
        y1 = A[q1 + 1],
        y2 = A[q2 + 1],
        y3 = A[q3 + 1];
      const b0 = bOff + p * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const v0 = B[b0 + j],
          v1 = B[b1 + j],
          v2 = B[b2 + j],
          v3 = B[b3 + j];
        C[c0 + j] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
        C[c1 + j] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
      }
    }
    for (; p < k; p++) {
      const x = A[aOff + p * m + i];
      const y = A[aOff + p * m + i + 1];
      const b0 = bOff + p * n;
      for (let j = 0; j < n; j++) {
        const v = B[b0 + j];
        C[c0 + j] += x * v;
        C[c1 + j] += y * v;
      }
    }
  }
  if (i < m) {
    const ci = cOff + i * n;
    if (!accumulate) C.fill(0, ci, ci + n);
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const a0 = A[aOff + p * m + i],
        a1 = A[aOff + (p + 1) * m + i],
        a2 = A[aOff + (p + 2) * m + i],
        a3 = A[aOff + (p + 3) * m + i];
      const b0 = bOff + p * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n;
      for (let j = 0; j < n; j++) C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
    }
    for (; p < k; p++) {
      const a = A[aOff + p * m + i];
      const b0 = bOff + p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[b0 + j];
    }
  }
};
