import { Dim } from '../../ir/types';
import { OpContext } from '../types';
import { invalidNode, shapeError } from './node-check';

/** Normalises a possibly negative axis into [0, rank). */
export function normAxis(ctx: OpContext, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw invalidNode(ctx, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

export function isStatic(shape: Dim[] | null): shape is number[] {
  return shape !== null && shape.every((d) => typeof d === 'number');
}

/** Product of dims, or null when any is not a number. */
export function dimProduct(dims: Dim[]): number | null {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    p *= d;
  }
  return p;
}

/** Combines dims at one broadcast position; returns undefined when static dims conflict. */
function broadcastDim(dims: Dim[]): Dim | undefined {
  let fixed: number | undefined;
  const symbols = new Set<string>();
  let unknown = false;
  for (const d of dims) {
    if (typeof d === 'number') {
      if (d === 1) continue;
      if (fixed !== undefined && fixed !== d) return undefined;
      fixed = d;
    } else if (typeof d === 'string') symbols.add(d);
    else unknown = true;
  }
  if (fixed !== undefined) return fixed;
  if (!unknown && symbols.size === 1) return [...symbols][0];
  if (!unknown && symbols.size === 0) return 1;
  return null;
}

/** ONNX multidirectional (numpy) broadcasting of several shapes; null if any rank is unknown. */
export function broadcastShapes(ctx: OpContext, shapes: (Dim[] | null)[]): Dim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const ss = shapes as Dim[][];
  const rank = Math.max(0, ...ss.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const column = ss.map((s) => (i < rank - s.length ? 1 : s[i - (rank - s.length)]));
    const d = broadcastDim(column);
    if (d === undefined) {
      throw shapeError(ctx, `shapes ${ss.map(fmtShape).join(', ')} cannot be broadcast together`);
    }
    out.push(d);
  }
  return out;
}

export function fmtShape(s: Dim[] | null): string {
  return s === null ? '[?]' : `[${s.map((d) => (d === null ? '?' : d)).join(',')}]`;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

/** Two dims that may differ at run time only if one is unknown: conflicting only when both numeric and different. */
export function dimsConflict(a: Dim, b: Dim): boolean {
  return typeof a === 'number' && typeof b === 'number' && a !== b;
}

/** Picks the more precise of two dims believed equal. */
export function mergeDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return a ?? b;
}
