/**
 * Single-precision matrix products on Float32Array row-major matrices addressed by offsets,
 * the kernels every trainable layer reduces to. Loops run along contiguous rows and unroll the
 * reduction by four so each output element is loaded and stored once per four products.
 */

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[k×n] */
export function gemmNN(
  m: number, n: number, k: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  C: Float32Array, cOff: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    if (!accumulate) C.fill(0, ci, ci + n);
    const ai = aOff + i * k;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const a0 = A[ai + p], a1 = A[ai + p + 1], a2 = A[ai + p + 2], a3 = A[ai + p + 3];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const b0 = bOff + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
    }
    for (; p < k; p++) {
      const a = A[ai + p];
      if (a === 0) continue;
      const b0 = bOff + p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[b0 + j];
    }
  }
}

/** C[m×n] = (accumulate ? C : 0) + A[m×k] · B[n×k]ᵀ  (dot products of rows) */
export function gemmNT(
  m: number, n: number, k: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  C: Float32Array, cOff: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k;
    const ci = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
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
}

/** C[m×n] = (accumulate ? C : 0) + A[k×m]ᵀ · B[k×n] */
export function gemmTN(
  m: number, n: number, k: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  C: Float32Array, cOff: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n;
    if (!accumulate) C.fill(0, ci, ci + n);
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const a0 = A[aOff + p * m + i], a1 = A[aOff + (p + 1) * m + i], a2 = A[aOff + (p + 2) * m + i], a3 = A[aOff + (p + 3) * m + i];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const b0 = bOff + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
    }
    for (; p < k; p++) {
      const a = A[aOff + p * m + i];
      if (a === 0) continue;
      const b0 = bOff + p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[b0 + j];
    }
  }
}
