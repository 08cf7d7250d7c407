/**
 * Layers a thief added to a leaked model (Net2Net deepening: a new filter after a hidden layer's activation that
 * starts as the identity, src/trace/attacks.ts `deepenHidden`), found and looked through before white-box
 * alignment. An added layer is a filter E from a space A to a space T of the same width that E alone writes; the
 * filters that read T would read A in the base. Contracting E — dropping it, and letting its readers read A through
 * it — gives a graph that lines up with the base's (src/trace/align.ts `lineUp`); up to MAX_ADDED layers are looked
 * for. The alignment then reads each filter after one through it (`throughMap` in align.ts).
 */
import { lineUp } from './align';
import { UnitGraph, UnitLink } from './unit-graph';

/** At most this many added layers are looked for (the search tries every set of that many candidates). */
export const MAX_ADDED = 3;

/** Whether leaked link k can be an added layer of `g`. */
function candidate(g: UnitGraph, k: number): boolean {
  const e = g.links[k];
  if (e.depthwise || e.from === e.to) return false;
  const [a, t] = [g.spaces[e.from], g.spaces[e.to]];
  const onlyWriter = g.links.every((l, j) => j === k || l.to !== e.to);
  const noDepthwiseReader = g.links.every((l) => !(l.depthwise && l.from === e.to));
  return !t.pinned && t.follows < 0 && a.units === t.units && onlyWriter && noDepthwiseReader;
}

/** `g` with link k dropped: its readers read its input space through it, and its output space is gone. */
function contract(g: UnitGraph, k: number): UnitGraph {
  const e = g.links[k];
  const T = e.to;
  const renumber = (s: number) => (s > T ? s - 1 : s);
  const self: UnitLink = { ...e, through: undefined };
  const links = g.links
    .filter((_, j) => j !== k)
    .map((l) => {
      const via = l.from === T ? { from: e.from, through: [...(e.through ?? []), self, ...(l.through ?? [])] } : {};
      const m = { ...l, ...via };
      return { ...m, from: renumber(m.from), to: renumber(m.to) };
    });
  const spaces = g.spaces
    .filter((_, s) => s !== T)
    .map((sp) => ({ ...sp, follows: sp.follows >= 0 ? renumber(sp.follows) : -1 }));
  return { spaces, links };
}

/**
 * The leaked graph with its added layers contracted so that it lines up with `base`, or null when it has fewer filters
 * than the base, more than MAX_ADDED more, or no set of candidates lines it up. Each contraction removes one filter,
 * so exactly the difference is looked for, each set once (candidates in operator order); a graph that lines up as it
 * is comes back unchanged.
 */
export function withoutAddedLayers(base: UnitGraph, leaked: UnitGraph): UnitGraph | null {
  const extra = leaked.links.length - base.links.length;
  if (extra < 0 || extra > MAX_ADDED) return null;
  const search = (g: UnitGraph, left: number, first: number): UnitGraph | null => {
    if (left === 0) return lineUp(base, g) ? g : null;
    for (let k = first; k < g.links.length; k++) {
      // after link k is gone, the links after it are one place earlier: the next candidate is at k or later
      const hit = candidate(g, k) ? search(contract(g, k), left - 1, k) : null;
      if (hit) return hit;
    }
    return null;
  };
  return search(leaked, extra, 0);
}
