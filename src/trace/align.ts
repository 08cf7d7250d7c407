/**
 * Undoing a leaked copy's re-ordered and re-scaled hidden units before white-box decoding. A thief can permute the
 * units of every hidden layer and scale each by a positive factor (src/trace/unit-chain.ts) without changing what
 * the model computes; the trace code then sits at other positions and other magnitudes, and read in place it is
 * noise. Layer by layer from the input, this finds which leaked unit is which base unit and by how much it was
 * scaled: the next layer's input channels are first put back in the base's order and scale (known from the layer
 * before), then each base unit is matched to a leaked unit by the cosine of their weight rows (an optimal
 * assignment: Munkres), and its scale is the least-squares factor between the two rows.
 *
 * Nothing here depends on a device code or key: the alignment is a function of the leaked and the base weights
 * alone, so a board whose code is not in the copy still scores under the bound of src/trace/score.ts.
 */
import { munkres } from 'munkres';
import { ChainLink, sameSlotChannel } from './unit-chain';

export interface Alignment {
  /** per link: base unit u is leaked unit perm[u] */
  perm: Int32Array[];
  /** per link: leaked unit perm[u] is base unit u times scale[u] */
  scale: Float64Array[];
  /** the leaked weights in the base's unit order and scale, one array per weight tensor */
  weights: Float64Array[];
}

/**
 * `leaked` and `base`: the float weights of every weight tensor (weightTensors order, TFLite layout); `chain`: the
 * base model's units. Tensors outside the chain are passed through.
 */
export function alignUnits(
  leaked: readonly Float64Array[],
  base: readonly Float64Array[],
  chain: readonly ChainLink[],
): Alignment {
  const weights = leaked.map((t) => t);
  const perm: Int32Array[] = [];
  const scale: Float64Array[] = [];
  chain.forEach((link, k) => {
    const L = leaked[link.w];
    const B = base[link.w];
    const { units: O, rowLength: R } = link;
    // the input channels back in the base's order and scale
    const inputs = new Float64Array(L.length);
    const from = link.from >= 0 ? { perm: perm[link.from], scale: scale[link.from] } : null;
    for (let o = 0; o < O; o++)
      for (let r = 0; r < R; r++) {
        const c = r % link.inChannels;
        inputs[o * R + r] = from ? L[o * R + sameSlotChannel(link, r, from.perm[c])] * from.scale[c] : L[o * R + r];
      }
    const norm = (v: Float64Array, o: number) => {
      let s = 0;
      for (let r = 0; r < R; r++) s += v[o * R + r] ** 2;
      return Math.sqrt(s);
    };
    const bn = Array.from({ length: O }, (_, o) => norm(B, o));
    const ln = Array.from({ length: O }, (_, o) => norm(inputs, o));
    const dot = (u: number, v: number) => {
      let s = 0;
      for (let r = 0; r < R; r++) s += B[u * R + r] * inputs[v * R + r];
      return s;
    };
    const dots = Array.from({ length: O }, (_, u) => Array.from({ length: O }, (_, v) => dot(u, v)));
    // the output units of the last link are the model's outputs: they cannot move
    const p = new Int32Array(O);
    if (link.hidden) {
      const cost = dots.map((row, u) => row.map((d, v) => 1 - d / ((bn[u] || 1) * (ln[v] || 1))));
      for (const [u, v] of munkres(cost)) p[u] = v;
    } else {
      for (let u = 0; u < O; u++) p[u] = u;
    }
    const s = new Float64Array(O);
    for (let u = 0; u < O; u++) {
      const a = link.hidden && link.scalable && bn[u] > 0 ? dots[u][p[u]] / bn[u] ** 2 : 1;
      s[u] = a > 0 && Number.isFinite(a) ? a : 1;
    }
    const out = new Float64Array(L.length);
    for (let u = 0; u < O; u++) for (let r = 0; r < R; r++) out[u * R + r] = inputs[p[u] * R + r] / s[u];
    weights[link.w] = out;
    perm[k] = p;
    scale[k] = s;
  });
  return { perm, scale, weights };
}
