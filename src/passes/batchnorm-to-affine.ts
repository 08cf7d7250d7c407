import { Model, Node } from '../ir/types';
import { makeTensor } from '../ir/tensor';
import { batchNormAffine } from './batchnorm-params';
import { foldableProducer } from './batchnorm-folding';
import { editable, nameGenerator, replaceNode } from './graph-edit';
import { Pass } from './types';
import { rankOf, valueTypes } from './value-types';

/**
 * Rewrites a BatchNormalization that no Conv/Gemm/MatMul can absorb (its input comes from
 * elsewhere, or feeds other nodes too) as Mul(x, scale[C,1,..]) → Add(shift[C,1,..]), two ops the
 * int8 back end lowers. BatchNormalizations that batchnorm-folding may still absorb are left to it.
 */
function run(model: Model): Model {
  const g = model.graph;
  const candidates = g.nodes.filter(
    (n) => n.opType === 'BatchNormalization' && batchNormAffine(g, n) && !foldableProducer(g, n),
  );
  if (candidates.length === 0) return model;
  const types = valueTypes(model);
  let out: Model | undefined;
  for (const bn of candidates) {
    const rank = rankOf(types.get(bn.inputs[0]));
    if (rank === undefined || rank < 2) continue;
    out = out ?? editable(model);
    const eg = out.graph;
    const a = batchNormAffine(g, bn)!;
    const names = nameGenerator(eg);
    const paramShape = [a.channels, ...new Array<number>(rank - 2).fill(1)];
    const scaleName = names(`${bn.name}_scale`);
    const shiftName = names(`${bn.name}_shift`);
    const scaled = names(`${bn.outputs[0]}_scaled`);
    eg.initializers.set(scaleName, makeTensor('float32', paramShape, Float32Array.from(a.scale)));
    eg.initializers.set(shiftName, makeTensor('float32', paramShape, Float32Array.from(a.shift)));
    const mul: Node = {
      name: names(`${bn.name}_mul`),
      opType: 'Mul',
      domain: '',
      inputs: [bn.inputs[0], scaleName],
      outputs: [scaled],
      attrs: {},
    };
    const add: Node = {
      name: names(`${bn.name}_add`),
      opType: 'Add',
      domain: '',
      inputs: [scaled, shiftName],
      outputs: [bn.outputs[0]],
      attrs: {},
    };
    replaceNode(eg, bn, [mul, add]);
  }
  return out ?? model;
}

export const batchnormToAffine: Pass = {
  name: 'batchnorm-to-affine',
  description: 'rewrites a BatchNormalization no producer can absorb as Mul + Add with per-channel constants',
  run,
};
