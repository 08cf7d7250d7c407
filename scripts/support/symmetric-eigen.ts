/**
 * Small dense symmetric linear algebra for the measurement scripts (trace-quiet-directions.ts): the cyclic Jacobi
 * eigen-decomposition and the generalised problem A v = ρ B v through the Cholesky factor of B. Row-major n × n
 * Float64Arrays; n up to a few hundred.
 */

/** Eigenvalues and eigenvectors (column j of `vectors` belongs to values[j]) of a symmetric matrix. */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (const x of a) scale += x * x;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-24 * scale) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** The lower Cholesky factor L of a symmetric positive definite B = L Lᵀ. */
export function cholesky(B: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let p = 0; p < n; p++)
    for (let q = 0; q <= p; q++) {
      let t = B[p * n + q];
      for (let k = 0; k < q; k++) t -= L[p * n + k] * L[q * n + k];
      L[p * n + q] = p === q ? Math.sqrt(t) : t / L[q * n + q];
    }
  return L;
}

/** y = L⁻¹ v for a lower-triangular L (forward substitution). */
function lowerSolve(L: Float64Array, n: number, v: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let t = v[p];
    for (let k = 0; k < p; k++) t -= L[p * n + k] * y[k];
    y[p] = t / L[p * n + p];
  }
  return y;
}

/**
 * The generalised problem A v = ρ B v (B positive definite): the ratios ρ, largest first, and their directions v,
 * each scaled to unit Euclidean length.
 */
export function generalisedEigen(
  A: Float64Array,
  B: Float64Array,
  n: number,
): { ratios: number[]; directions: Float64Array[] } {
  const L = cholesky(B, n);
  // X = L⁻¹ A column by column, then C = X L⁻ᵀ = L⁻¹ A L⁻ᵀ row by row (row r of C is L⁻¹ applied to row r of X)
  const X = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const y = lowerSolve(
      L,
      n,
      Float64Array.from({ length: n }, (_, p) => A[p * n + c]),
    );
    for (let p = 0; p < n; p++) X[p * n + c] = y[p];
  }
  const C = new Float64Array(n * n);
  for (let r = 0; r < n; r++) C.set(lowerSolve(L, n, X.subarray(r * n, (r + 1) * n)), r * n);
  for (let p = 0; p < n; p++)
    for (let q = 0; q < p; q++) C[p * n + q] = C[q * n + p] = (C[p * n + q] + C[q * n + p]) / 2;
  const { values, vectors: Y } = symmetricEigen(C, n);
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => values[b] - values[a]);
  const directions = order.map((j) => {
    // v = L⁻ᵀ y
    const u = new Float64Array(n);
    for (let p = n - 1; p >= 0; p--) {
      let t = Y[p * n + j];
      for (let k = p + 1; k < n; k++) t -= L[k * n + p] * u[k];
      u[p] = t / L[p * n + p];
    }
    const norm = Math.hypot(...u);
    return u.map((x) => x / norm);
  });
  return { ratios: order.map((j) => values[j]), directions };
}
