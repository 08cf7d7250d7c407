/**
 * Undoing a leaked copy's re-ordered and re-scaled hidden units before white-box decoding. A thief can permute the
 * channels of every space that is not the input or the output and scale each by a positive factor
 * (src/trace/unit-graph.ts) without changing what the model computes; the trace code then sits at other positions and
 * other magnitudes, and read in place it is noise. Space by space from the input, this finds which leaked channel is
 * which base channel and by how much it was scaled: the input channels of the filters writing the space are first put
 * back in the base's order and scale (known from the spaces they read), then each base channel is matched to a
 * leaked channel by the cosine of their weight rows — across every filter writing the space, so a residual join's
 * shortcut and branch agree — by an optimal assignment (Munkres), and its scale is the least-squares factor between
 * the rows. A space joined by an ADD to one written later (an identity shortcut around a block that reads it) is
 * matched on the filters whose inputs are already put back. A depthwise convolution's output keeps its input's order,
 * and only its scale is found.
 *
 * A unit split in two (Net2Net widening: a copy of its incoming weights and bias, the outgoing weights shared α and
 * 1 − α) leaves one half unmatched. Read alone, the matched half's outgoing weights are α times the base's, far off
 * by more than the code (measured on the zoo LeNet with 6 channels of each convolution split: z 41 instead of 245).
 * So a leaked unit no base unit was assigned to, whose incoming row is parallel to a base unit's (cosine ≥
 * SPLIT_COSINE), is that unit's split-off copy, and the next layer reads the base unit's input channel as the sum
 * over its copies, each times its own scale: the activation of a copy scaled by s is s times the base unit's, so the
 * sum of its outgoing weights times s is what the base unit's were. Units added with their own weights stay
 * unmatched.
 *
 * Nothing here depends on a device code or key: the alignment is a function of the leaked and the base weights
 * alone, so a board whose code is not in the copy still scores under the bound of src/trace/score.ts.
 */
import { munkres } from 'munkres';
import { UnitGraph, UnitLink, elementOf } from './unit-graph';

/** A leaked unit no base unit was matched to is a split-off copy of the one whose row it is this parallel to. */
export const SPLIT_COSINE = 0.95;

interface Copy {
  v: number;
  s: number;
}

export interface Alignment {
  /** per space: base channel u is leaked channel perm[u] */
  perm: Int32Array[];
  /** per space: leaked channel perm[u] is base channel u times scale[u] */
  scale: Float64Array[];
  /** per space, per base channel: its split-off copies (leaked channel v is the base channel times s) */
  copies: Copy[][][];
  /** the leaked weights in the base's unit order and scale, one array per weight tensor */
  weights: Float64Array[];
}

/**
 * `leaked` and `base`: the float weights of every weight tensor (weightTensors order, TFLite layout); `graph`: the
 * base model's units, `leakedGraph` the leaked model's (default: the same shapes). A space of the leaked graph may
 * have more channels than the base's (units added: each base channel is matched to one of them, the others are
 * ignored unless they are split-off copies); `lineUp` says whether two graphs can be aligned at all. Tensors outside
 * the graph are passed through.
 */
export function alignUnits(
  leaked: readonly Float64Array[],
  base: readonly Float64Array[],
  graph: UnitGraph,
  leakedGraph: UnitGraph = graph,
): Alignment {
  const weights = base.map((t, w) => (leaked[w]?.length === t.length ? leaked[w] : t));
  const n = graph.spaces.length;
  const perm: Int32Array[] = new Array(n);
  const scale: Float64Array[] = new Array(n);
  const copies: Copy[][][] = new Array(n);
  const identity = (s: number) => {
    const O = graph.spaces[s].units;
    perm[s] = Int32Array.from({ length: O }, (_, u) => u);
    scale[s] = new Float64Array(O).fill(1);
    copies[s] = Array.from({ length: O }, () => []);
  };
  /**
   * The rows of link k of the leaked model with their input channels back in the base's order and scale, one row
   * per leaked unit (R = the base row length) — for a depthwise convolution one row per base unit, already in the
   * base's order, since its units are its input channels.
   */
  const inputs = new Map<number, Float64Array>();
  const inputsOf = (k: number): Float64Array => {
    if (!inputs.has(k)) inputs.set(k, putBack(k));
    return inputs.get(k)!;
  };
  /** inputsOf, computed: once a link's input space is matched its order and scale never change */
  /**
   * Where link k's input channels are in the leaked model: its input space's order, scale and copies, carried through
   * the layers the thief added before it (src/trace/added-layers.ts): base channel c is the added layer's output
   * channel its input channel p[c] was passed to, times that factor.
   */
  const orders = new Map<number, [Int32Array, Float64Array, Copy[][]]>();
  const inputOrder = (k: number): [Int32Array, Float64Array, Copy[][]] => {
    if (!orders.has(k)) orders.set(k, throughAdded(k));
    return orders.get(k)!;
  };
  /** inputOrder, computed (an assignment per added layer): once per link, as inputsOf */
  const throughAdded = (k: number): [Int32Array, Float64Array, Copy[][]] => {
    const from = graph.links[k].from;
    let [p, sc, cp] = [perm[from], scale[from], copies[from]];
    for (const e of leakedGraph.links[k].through ?? []) {
      const m = throughMap(e, leaked[e.w]);
      [p, sc, cp] = [
        Int32Array.from(p, (a) => m.to[a]),
        Float64Array.from(sc, (s, c) => s * m.by[p[c]]),
        cp.map((list) => list.map((copy) => ({ v: m.to[copy.v], s: copy.s * m.by[copy.v] }))),
      ];
    }
    return [p, sc, cp];
  };
  const putBack = (k: number): Float64Array => {
    const link = graph.links[k];
    const lk = leakedGraph.links[k];
    const L = leaked[lk.w];
    const { rowLength: R, inChannels: C } = link;
    const [p, sc, cp] = inputOrder(k);
    if (link.depthwise) {
      const x = new Float64Array(link.units * R);
      for (let u = 0; u < link.units; u++) for (let r = 0; r < R; r++) x[u * R + r] = L[elementOf(lk, p[u], r)] * sc[u];
      return x;
    }
    const x = new Float64Array(lk.units * R);
    for (let v = 0; v < lk.units; v++)
      for (let r = 0; r < R; r++) {
        const c = r % C;
        const at = v * lk.rowLength + ((r - c) / C) * lk.inChannels;
        let y = L[at + p[c]] * sc[c];
        for (const copy of cp[c]) y += L[at + copy.v] * copy.s;
        x[v * R + r] = y;
      }
    return x;
  };
  const baseRow = (link: UnitLink, u: number, r: number) => base[link.w][elementOf(link, u, r)];
  /** matches the channels of space s on the filters writing it whose inputs are put back */
  const resolve = (s: number, writers: number[]) => {
    const space = graph.spaces[s];
    const O = space.units;
    if (space.follows >= 0) {
      // a depthwise output: its input's order (through any layer added before it); its scale from the least-squares
      // factor of each channel's row
      const k = writers[0];
      const link = graph.links[k];
      const x = inputsOf(k);
      const R = link.rowLength;
      const [order, , inCopies] = inputOrder(k);
      perm[s] = Int32Array.from(order);
      /** the least-squares factor of a leaked depthwise row (its input put back) against base channel u's */
      const fit = (u: number, row: ArrayLike<number>) => {
        let [d, b] = [0, 0];
        for (let r = 0; r < R; r++) {
          d += baseRow(link, u, r) * row[r];
          b += baseRow(link, u, r) ** 2;
        }
        const a = space.scalable && b > 0 ? d / b : 1;
        return a > 0 && Number.isFinite(a) ? a : 1;
      };
      scale[s] = Float64Array.from({ length: O }, (_, u) => fit(u, x.subarray(u * R, (u + 1) * R)));
      // a split-off input channel's own filter computes a split-off copy of the output (a widened depthwise model)
      const L = leaked[leakedGraph.links[k].w];
      copies[s] = inCopies.map((list, u) =>
        list.map((copy) => ({
          v: copy.v,
          s: fit(
            u,
            Float64Array.from({ length: R }, (_, r) => L[elementOf(leakedGraph.links[k], copy.v, r)] * copy.s),
          ),
        })),
      );
      return;
    }
    const OL = leakedGraph.spaces[s].units;
    const bn = new Float64Array(O);
    const ln = new Float64Array(OL);
    const dots = Array.from({ length: O }, () => new Float64Array(OL));
    for (const k of writers) {
      const link = graph.links[k];
      const R = link.rowLength;
      const x = inputsOf(k);
      for (let u = 0; u < O; u++) for (let r = 0; r < R; r++) bn[u] += baseRow(link, u, r) ** 2;
      for (let v = 0; v < OL; v++) for (let r = 0; r < R; r++) ln[v] += x[v * R + r] ** 2;
      for (let u = 0; u < O; u++)
        for (let v = 0; v < OL; v++) {
          let t = 0;
          for (let r = 0; r < R; r++) t += baseRow(link, u, r) * x[v * R + r];
          dots[u][v] += t;
        }
    }
    const cosine = (u: number, v: number) => dots[u][v] / ((Math.sqrt(bn[u]) || 1) * (Math.sqrt(ln[v]) || 1));
    const p = Int32Array.from({ length: O }, (_, u) => u);
    const cost = Array.from({ length: O }, (_, u) => Array.from({ length: OL }, (_v, v) => 1 - cosine(u, v)));
    for (const [u, v] of munkres(cost)) p[u] = v;
    // the least-squares factor of leaked channel v against base channel u (1 where channels cannot be scaled)
    const factor = (u: number, v: number) => {
      const a = space.scalable && bn[u] > 0 ? dots[u][v] / bn[u] : 1;
      return a > 0 && Number.isFinite(a) ? a : 1;
    };
    const split = Array.from({ length: O }, () => [] as Copy[]);
    if (OL > O) {
      // the unmatched leaked channels whose rows are parallel to a base channel's: its split-off copies
      const matched = new Set(p);
      for (let v = 0; v < OL; v++) {
        if (matched.has(v) || !(ln[v] > 0)) continue;
        let best = -1;
        let cos = SPLIT_COSINE;
        for (let u = 0; u < O; u++) {
          const c = bn[u] > 0 ? cosine(u, v) : 0;
          if (c >= cos) [best, cos] = [u, c];
        }
        if (best >= 0) split[best].push({ v, s: factor(best, v) });
      }
    }
    perm[s] = p;
    scale[s] = Float64Array.from({ length: O }, (_, u) => factor(u, p[u]));
    copies[s] = split;
  };
  // spaces in an order where the filters writing one read spaces already matched: when none has all its writers
  // ready (an identity shortcut joins a space to the output of a block that reads it), the first with any
  graph.spaces.forEach((sp, s) => sp.pinned && identity(s));
  const writers = graph.spaces.map((_, s) => graph.links.flatMap((l, k) => (l.to === s ? [k] : [])));
  const ready = (k: number) => perm[graph.links[k].from] !== undefined;
  for (;;) {
    const open = graph.spaces.map((_, s) => s).filter((s) => perm[s] === undefined);
    if (open.length === 0) break;
    const next =
      open.find((s) => writers[s].length > 0 && writers[s].every(ready)) ?? open.find((s) => writers[s].some(ready));
    if (next === undefined) {
      open.forEach(identity); // written by nothing reachable from the input: left as they are
      break;
    }
    resolve(next, writers[next].filter(ready));
  }
  // every filter's rows in the base's order and scale of both its spaces
  graph.links.forEach((link, k) => {
    const x = inputsOf(k);
    const R = link.rowLength;
    const out = new Float64Array(link.units * R);
    const [p, sc] = [perm[link.to], scale[link.to]];
    for (let u = 0; u < link.units; u++) {
      const row = link.depthwise ? u : p[u];
      for (let r = 0; r < R; r++) out[elementOf(link, u, r)] = x[row * R + r] / sc[u];
    }
    weights[link.w] = out;
  });
  return { perm, scale, copies, weights };
}

/** The channel map through one added layer: A's channel a is T's channel to[a] divided by by[a]. */
export interface ThroughMap {
  to: Int32Array;
  by: Float64Array;
}

/**
 * The channel map through added layer `e` (src/trace/added-layers.ts; its weights `w`, TFLite layout, leaked order):
 * each channel a of its input reaches the channel to[a] of its output that its weights pass it to (an optimal
 * assignment on the sum of each row's weights over its positions, the response to a constant channel: for the
 * identity, 1 at (a, a)), with the factor by[a] = that sum, so the output channel is by[a] times the input channel
 * (the ReLU between them passes a positive factor). A copy re-ordered, re-scaled or fine-tuned after deepening keeps
 * that structure to the extent the added layer stays near a scaled permutation.
 */
export function throughMap(e: UnitLink, w: Float64Array): ThroughMap {
  const C = e.inChannels;
  const R = e.rowLength;
  const sum = Array.from({ length: C }, () => new Float64Array(e.units));
  for (let t = 0; t < e.units; t++) for (let r = 0; r < R; r++) sum[r % C][t] += w[t * R + r];
  const largest = Math.max(1e-12, ...sum.map((row) => Math.max(...row.map(Math.abs))));
  const to = new Int32Array(C);
  for (const [a, t] of munkres(sum.map((row) => Array.from(row, (v) => -v / largest)))) to[a] = t;
  const by = Float64Array.from({ length: C }, (_, a) => (sum[a][to[a]] > 0 ? sum[a][to[a]] : 1));
  return { to, by };
}

/** A space may have at most this many times the base's channels (the assignment costs channels³). */
export const MAX_WIDENING = 4;

/**
 * Whether a leaked graph can be aligned to the base's: the same filters between the same spaces, the same input
 * and outputs, and every free space with at least the base's channels (and at most MAX_WIDENING times as many) and
 * every filter the same spatial size (units may have been added, none removed). A depthwise convolution's output is
 * as wide as its input in either graph (unit-graph.ts), so a depthwise model widened on both sides lines up too.
 */
export function lineUp(base: UnitGraph, leaked: UnitGraph): boolean {
  const spaces =
    base.spaces.length === leaked.spaces.length &&
    base.spaces.every((b, s) => {
      const l = leaked.spaces[s];
      const units = b.pinned ? l.units === b.units : l.units >= b.units && l.units <= MAX_WIDENING * b.units;
      return units && l.pinned === b.pinned && l.follows === b.follows;
    });
  return (
    spaces &&
    base.links.length === leaked.links.length &&
    base.links.every((b, k) => {
      const l = leaked.links[k];
      const spatial = b.rowLength / b.inChannels === l.rowLength / l.inChannels;
      return spatial && b.from === l.from && b.to === l.to && b.depthwise === l.depthwise;
    })
  );
}
