import { EdgelockError, isEdgelockError } from '../errors';
import { inferShapes } from '../ops/shape-inference';
import { Model } from '../ir/types';
import { structuralHash } from './fingerprint';
import { PASS_TABLE, PIPELINES } from './registry';
import { Pass } from './types';

export interface PipelineOptions {
  /** Rounds over the whole pass list before giving up with E_PASS_NO_FIXPOINT (default 20). */
  maxIterations?: number;
  /** Re-run shape inference on the result so every value has its type (default true). */
  inferShapes?: boolean;
}

export interface PassLogEntry {
  pass: string;
  /** 1-based round of the fixed-point loop. */
  iteration: number;
  changed: boolean;
  nodesBefore: number;
  nodesAfter: number;
}

export interface PipelineResult {
  model: Model;
  log: PassLogEntry[];
}

export function resolvePasses(names: readonly string[]): Pass[] {
  return names.map((name) => {
    const pass = PASS_TABLE[name];
    if (!pass) {
      throw new EdgelockError('E_USAGE', `unknown pass '${name}' (known: ${Object.keys(PASS_TABLE).join(', ')})`);
    }
    return pass;
  });
}

/**
 * Runs the passes in order, then again, until a whole round changes nothing (passes enable each
 * other: shape folding feeds constant folding, which exposes BatchNorm folding, and so on).
 * Without names it runs the default 'optimize' pipeline, the one the compiler runs before lowering.
 */
export function runPipeline(
  model: Model,
  passNames: readonly string[] = PIPELINES.optimize,
  opts: PipelineOptions = {},
): PipelineResult {
  const passes = resolvePasses(passNames);
  const maxIterations = opts.maxIterations ?? 20;
  const log: PassLogEntry[] = [];
  let current = model;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    let roundChanged = false;
    for (const pass of passes) {
      const before = current;
      const after = applyPass(pass, before);
      const changed = after !== before && structuralHash(after) !== structuralHash(before);
      log.push({
        pass: pass.name,
        iteration,
        changed,
        nodesBefore: before.graph.nodes.length,
        nodesAfter: after.graph.nodes.length,
      });
      if (changed) roundChanged = true;
      current = after;
    }
    if (!roundChanged) return { model: opts.inferShapes === false ? current : inferShapes(current), log };
  }
  throw new EdgelockError(
    'E_PASS_NO_FIXPOINT',
    `the passes [${passNames.join(', ')}] still changed the graph after ${maxIterations} rounds`,
  );
}

function applyPass(pass: Pass, model: Model): Model {
  try {
    return pass.run(model);
  } catch (e) {
    if (isEdgelockError(e)) throw e;
    throw new EdgelockError('E_PASS_FAILED', `pass '${pass.name}' failed: ${(e as Error).message}`);
  }
}
