/** Negates the slices of a tensor along one axis whose key bit is 1 (the HPNN operation; an involution). */
type Signed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array;

export function negateUnits(
  data: Signed,
  shape: number[],
  axis: number,
  bits: ArrayLike<number>,
  bitOffset: number,
): void {
  const units = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    for (let u = 0; u < units; u++) {
      if (!bits[bitOffset + u]) continue;
      const base = (o * units + u) * inner;
      for (let i = 0; i < inner; i++) data[base + i] = -data[base + i];
    }
  }
}
