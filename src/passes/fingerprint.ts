import { createHash, Hash } from 'crypto';
import { Graph, Model } from '../ir/types';

/**
 * A cheap structural hash: nodes (op, inputs, outputs, attribute names and scalar values),
 * graph inputs/outputs and initializer names/shapes. Tensor contents are left out; every pass
 * that rewrites a constant also renames or re-wires something, which this hash sees.
 */
export function structuralHash(model: Model): string {
  const h = createHash('sha1');
  hashGraph(model.graph, h);
  return h.digest('hex');
}

function hashGraph(g: Graph, h: Hash): void {
  for (const n of g.nodes) {
    h.update(`${n.domain}.${n.opType}|${n.inputs.join(',')}|${n.outputs.join(',')}|`);
    for (const k of Object.keys(n.attrs).sort()) {
      const a = n.attrs[k];
      if (a.kind === 'graph') {
        h.update(`${k}={`);
        hashGraph(a.value, h);
        h.update('};');
        continue;
      }
      h.update(`${k}=${a.kind === 'tensor' ? `${a.value.dtype}[${a.value.shape}]` : JSON.stringify(a.value)};`);
    }
    h.update('\n');
  }
  for (const v of g.inputs) h.update(`in ${v.name}\n`);
  for (const v of g.outputs) h.update(`out ${v.name}\n`);
  for (const [k, t] of g.initializers) h.update(`init ${k} ${t.dtype}[${t.shape}]\n`);
}
