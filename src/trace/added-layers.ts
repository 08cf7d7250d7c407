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
  return !t.pinned && t.follows < 0 && a.units === t.units && onlyWriter;
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
    // a depthwise convolution that read T reads A through E: its output follows A (align.ts carries the order)
    .map((sp) => ({
      ...sp,
      follows: sp.follows === T ? renumber(e.from) : sp.follows >= 0 ? renumber(sp.follows) : -1,
    }));
  return { spaces, links };
}

/**
 * The leaked graph with its added layers contracted so that it lines up with `base`: every set of candidates that does
 * (none when the leak has fewer filters than the base, more than MAX_ADDED more, or no set lines it up). Each
 * contraction removes one filter, so exactly the difference is looked for, each set once (candidates in operator
 * order); a graph that lines up as it is comes back unchanged. More than one set can line up: where an original
 * filter maps a space to another of the same width that it alone writes (a residual branch's inner convolution), it
 * could have been the added one by shape; the weights decide (whitebox.ts reads each and keeps the closest).
 */
export function withoutAddedLayers(base: UnitGraph, leaked: UnitGraph): UnitGraph[] {
  const extra = leaked.links.length - base.links.length;
  if (extra < 0 || extra > MAX_ADDED) return [];
  const found: UnitGraph[] = [];
  const search = (g: UnitGraph, left: number, first: number): void => {
    if (left === 0) {
      if (lineUp(base, g)) found.push(g);
      return;
    }
    // after link k is gone, the links after it are one place earlier: the next candidate is at k or later
    for (let k = first; k < g.links.length; k++) if (candidate(g, k)) search(contract(g, k), left - 1, k);
  };
  search(leaked, extra, 0);
  return found;
}
