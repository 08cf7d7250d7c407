/**
 * A greedy tensor-arena estimate in the style of TFLite Micro's GreedyMemoryPlanner: each
 * non-constant tensor lives from the op that writes it (graph inputs: from the start) to the last
 * op that reads it (graph outputs: to the end); tensors are placed largest first at the lowest
 * 16-byte aligned offset that does not overlap a placed tensor whose lifetime intersects.
 * The arena estimate is the highest end offset plus the largest scratch request of any op (edgelock's
 * runtime places one shared scratch region after the activations). TFLM adds its own bookkeeping on top (a few KB
 * for interpreter and per-op data), so size the real arena with some headroom.
 */

export const ARENA_ALIGNMENT = 16;

/** The minimal graph view the planner needs (TflGraph and a parsed .tflite both provide it). */
export interface PlannableGraph {
  tensors: { bytes: number; constant: boolean; name: string }[];
  /** scratchBytes: work memory the op's optimised kernel needs during its Eval (runtime-scratch.ts). */
  ops: { inputs: number[]; outputs: number[]; scratchBytes?: number }[];
  inputs: number[];
  outputs: number[];
}

export interface Allocation {
  tensor: number;
  name: string;
  offset: number;
  bytes: number;
  /** First and last op index (inclusive) during which the tensor must hold its value. */
  firstOp: number;
  lastOp: number;
}

export interface MemoryPlan {
  arenaBytes: number;
  allocations: Allocation[];
  /** Sum of all activation sizes (what a planner without reuse would need). */
  unplannedBytes: number;
  /** The shared scratch region (largest op request, 16-byte aligned), included in arenaBytes. */
  scratchBytes: number;
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

export function planMemory(g: PlannableGraph): MemoryPlan {
  const last = g.ops.length - 1;
  const first = new Map<number, number>();
  const end = new Map<number, number>();
  const touch = (t: number, at: number) => {
    if (t < 0 || g.tensors[t].constant) return;
    first.set(t, Math.min(first.get(t) ?? at, at));
    end.set(t, Math.max(end.get(t) ?? at, at));
  };
  for (const t of g.inputs) touch(t, 0);
  g.ops.forEach((op, i) => {
    op.inputs.forEach((t) => touch(t, i));
    op.outputs.forEach((t) => touch(t, i));
  });
  for (const t of g.outputs) touch(t, Math.max(last, 0));

  const items = [...first.keys()].map((t) => ({
    tensor: t,
    name: g.tensors[t].name,
    bytes: align(g.tensors[t].bytes),
    firstOp: first.get(t)!,
    lastOp: end.get(t)!,
  }));
  const order = [...items].sort((a, b) => b.bytes - a.bytes || a.firstOp - b.firstOp || a.tensor - b.tensor);
  const placed: Allocation[] = [];
  for (const item of order) {
    const live = placed
      .filter((p) => p.firstOp <= item.lastOp && item.firstOp <= p.lastOp)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of live) {
      if (offset + item.bytes <= p.offset) break;
      offset = Math.max(offset, p.offset + p.bytes);
    }
    placed.push({ ...item, offset });
  }
  placed.sort((a, b) => a.tensor - b.tensor);
  const scratchBytes = g.ops.reduce((m, op) => Math.max(m, align(op.scratchBytes ?? 0)), 0);
  return {
    arenaBytes: placed.reduce((m, p) => Math.max(m, p.offset + p.bytes), 0) + scratchBytes,
    scratchBytes,
    allocations: placed,
    unplannedBytes: items.reduce((n, i) => n + i.bytes, 0),
  };
}
