import { Model } from '../ir/types';

/**
 * A graph-to-graph rewrite. `run` is pure: it never mutates its input model (nodes, tensors and maps
 * of the input are shared read-only; whatever changes is copied). It returns the input object itself
 * when nothing matched, which the pipeline treats as "unchanged".
 */
export interface Pass {
  name: string;
  description: string;
  run(model: Model): Model;
}
