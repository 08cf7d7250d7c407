import { batchnormFolding } from './batchnorm-folding';
import { batchnormToAffine } from './batchnorm-to-affine';
import { constantFolding } from './constant-folding';
import { deadNodeRemoval } from './dead-node-removal';
import { gemmNormalization } from './gemm-normalization';
import { identityElimination } from './identity-elimination';
import { ifFolding } from './if-folding';
import { layernormDecomposition } from './layernorm-decomposition';
import { shapeFolding } from './shape-folding';
import { Pass } from './types';

/** Every graph pass, by name. */
export const PASS_TABLE: Record<string, Pass> = Object.fromEntries(
  [
    identityElimination,
    shapeFolding,
    constantFolding,
    ifFolding,
    batchnormFolding,
    gemmNormalization,
    batchnormToAffine,
    layernormDecomposition,
    deadNodeRemoval,
  ].map((p) => [p.name, p]),
);

/**
 * Named pass lists. 'optimize' is what the compiler runs before lowering; the pipeline repeats the
 * whole list until it reaches a fixed point. batchnorm-to-affine only touches BatchNormalizations
 * batchnorm-folding can never absorb, so their order in one round does not matter.
 */
export const PIPELINES: Record<string, readonly string[]> = {
  optimize: [
    'identity-elimination',
    'shape-folding',
    'constant-folding',
    'if-folding',
    'batchnorm-folding',
    'gemm-normalization',
    'batchnorm-to-affine',
    'layernorm-decomposition',
    'dead-node-removal',
  ],
};
