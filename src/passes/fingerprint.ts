import { createHash } from 'crypto';
import { Model } from '../ir/types';

/**
 * A cheap structural hash: nodes (op, inputs, outputs, attribute names and scalar values),
 * graph inputs/outputs and initializer names/shapes. Tensor contents are left out; every pass
 * that rewrites a constant also renames or re-wires something, which this hash sees.
 */
export function structuralHash(model: Model): string {
  const g = model.graph;
  const h = createHash('sha1');
  for (const n of g.nodes) {
    h.update(`${n.domain}.${n.opType}|${n.inputs.join(',')}|${n.outputs.join(',')}|`);
    for (const k of Object.keys(n.attrs).sort()) {
      const a = n.attrs[k];
      h.update(`${k}=${a.kind === 'tensor' ? `${a.value.dtype}[${a.value.shape}]` : JSON.stringify(a.value)};`);
    }
    h.update('\n');
  }
  for (const v of g.inputs) h.update(`in ${v.name}\n`);
  for (const v of g.outputs) h.update(`out ${v.name}\n`);
  for (const [k, t] of g.initializers) h.update(`init ${k} ${t.dtype}[${t.shape}]\n`);
  return h.digest('hex');
}
