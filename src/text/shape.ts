/** A tensor shape as `[1,28,28]`, unknown dimensions as `?`, an unknown rank as `[?]`. */
export function formatShape(shape: readonly (number | string | null)[] | null): string {
  if (shape === null) return '[?]';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}
