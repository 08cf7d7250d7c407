/**
 * Undoing a leaked copy's re-ordered and re-scaled hidden units before white-box decoding. A thief can permute the
 * units of every hidden layer and scale each by a positive factor (src/trace/unit-chain.ts) without changing what
 * the model computes; the trace code then sits at other positions and other magnitudes, and read in place it is
 * noise. Layer by layer from the input, this finds which leaked unit is which base unit and by how much it was
 * scaled: the next layer's input channels are first put back in the base's order and scale (known from the layer
 * before), then each base unit is matched to a leaked unit by the cosine of their weight rows (an optimal
 * assignment: Munkres), and its scale is the least-squares factor between the two rows.
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
import { ChainLink } from './unit-chain';

/** A leaked unit no base unit was matched to is a split-off copy of the one whose row it is this parallel to. */
export const SPLIT_COSINE = 0.95;

export interface Alignment {
  /** per link: base unit u is leaked unit perm[u] */
  perm: Int32Array[];
  /** per link: leaked unit perm[u] is base unit u times scale[u] */
  scale: Float64Array[];
  /** per link, per base unit: its split-off copies (leaked unit v is the base unit times s) */
  copies: { v: number; s: number }[][][];
  /** the leaked weights in the base's unit order and scale, one array per weight tensor */
  weights: Float64Array[];
}

/**
 * `leaked` and `base`: the float weights of every weight tensor (weightTensors order, TFLite layout); `chain`: the
 * base model's units, `leakedChain` the leaked model's (default: the same shapes). The leaked chain may have more
 * units in a hidden layer than the base (units added: each base unit is matched to one of them, the others are
 * ignored unless they are split-off copies); `lineUp` says whether two chains can be aligned at all. Tensors outside
 * the chain are passed through.
 */
export function alignUnits(
  leaked: readonly Float64Array[],
  base: readonly Float64Array[],
  chain: readonly ChainLink[],
  leakedChain: readonly ChainLink[] = chain,
): Alignment {
  const weights = base.map((t, w) => (leaked[w]?.length === t.length ? leaked[w] : t));
  const perm: Int32Array[] = [];
  const scale: Float64Array[] = [];
  const copies: { v: number; s: number }[][][] = [];
  chain.forEach((link, k) => {
    const lk = leakedChain[k];
    const L = leaked[lk.w];
    const B = base[link.w];
    const { units: O, rowLength: R, inChannels: C } = link;
    const { units: OL, rowLength: RL, inChannels: CL } = lk;
    // the input channels back in the base's order and scale (each row of the leaked filter, in the base's columns)
    const inputs = new Float64Array(OL * R);
    const from = link.from >= 0 ? { perm: perm[link.from], scale: scale[link.from], copies: copies[link.from] } : null;
    for (let v = 0; v < OL; v++)
      for (let r = 0; r < R; r++) {
        const c = r % C;
        const slot = (r - c) / C;
        const row = v * RL + slot * CL;
        let x = from ? L[row + from.perm[c]] * from.scale[c] : L[row + c];
        if (from) for (const copy of from.copies[c]) x += L[row + copy.v] * copy.s;
        inputs[v * R + r] = x;
      }
    const norm = (x: Float64Array, o: number) => {
      let t = 0;
      for (let r = 0; r < R; r++) t += x[o * R + r] ** 2;
      return Math.sqrt(t);
    };
    const bn = Array.from({ length: O }, (_, o) => norm(B, o));
    const ln = Array.from({ length: OL }, (_, o) => norm(inputs, o));
    const dot = (u: number, v: number) => {
      let t = 0;
      for (let r = 0; r < R; r++) t += B[u * R + r] * inputs[v * R + r];
      return t;
    };
    const dots = Array.from({ length: O }, (_, u) => Array.from({ length: OL }, (_, v) => dot(u, v)));
    // the output units of the last link are the model's outputs: they cannot move
    const p = Int32Array.from({ length: O }, (_, u) => u);
    if (link.hidden) {
      const cost = dots.map((row, u) => row.map((d, v) => 1 - d / ((bn[u] || 1) * (ln[v] || 1))));
      for (const [u, v] of munkres(cost)) p[u] = v;
    }
    // the least-squares factor of leaked unit v against base unit u (1 where units cannot be scaled)
    const factor = (u: number, v: number) => {
      const a = link.hidden && link.scalable && bn[u] > 0 ? dots[u][v] / bn[u] ** 2 : 1;
      return a > 0 && Number.isFinite(a) ? a : 1;
    };
    const sc = Float64Array.from({ length: O }, (_, u) => factor(u, p[u]));
    // the unmatched leaked units whose row is parallel to a base unit's: its split-off copies
    const split = Array.from({ length: O }, () => [] as { v: number; s: number }[]);
    if (link.hidden && OL > O) {
      const matched = new Set(p);
      for (let v = 0; v < OL; v++) {
        if (matched.has(v) || !(ln[v] > 0)) continue;
        let best = -1;
        let cos = SPLIT_COSINE;
        for (let u = 0; u < O; u++) {
          const c = bn[u] > 0 ? dots[u][v] / (bn[u] * ln[v]) : 0;
          if (c >= cos) [best, cos] = [u, c];
        }
        if (best >= 0) split[best].push({ v, s: factor(best, v) });
      }
    }
    const out = new Float64Array(O * R);
    for (let u = 0; u < O; u++) for (let r = 0; r < R; r++) out[u * R + r] = inputs[p[u] * R + r] / sc[u];
    weights[link.w] = out;
    perm[k] = p;
    scale[k] = sc;
    copies[k] = split;
  });
  return { perm, scale, copies, weights };
}

/** A hidden layer may have at most this many times the base's units (the assignment costs units³). */
export const MAX_WIDENING = 4;

/**
 * Whether a leaked chain can be aligned to the base's: as many links, the same input, the same outputs, and every
 * hidden layer with at least the base's units (and at most MAX_WIDENING times as many) and the same spatial size
 * (units may have been added, none removed).
 */
export function lineUp(base: readonly ChainLink[], leaked: readonly ChainLink[]): boolean {
  return (
    base.length === leaked.length &&
    base.every((b, k) => {
      const l = leaked[k];
      const spatial = b.rowLength / b.inChannels === l.rowLength / l.inChannels;
      const units = b.hidden ? l.units >= b.units && l.units <= MAX_WIDENING * b.units : l.units === b.units;
      const input = b.from >= 0 || l.inChannels === b.inChannels;
      return spatial && units && input && b.hidden === l.hidden && b.from === l.from;
    })
  );
}
