import { Graph } from '../ir/types';
import { OpDef, ValueType } from './types';
import { checkArity, inputType, invalidNode } from './support/node-check';

function branch(ctx: Parameters<OpDef['infer']>[0], key: string): Graph {
  const a = ctx.node.attrs[key];
  if (!a || a.kind !== 'graph') throw invalidNode(ctx, `If needs a '${key}' graph attribute`);
  return a.value;
}

/**
 * ONNX If. It never reaches lowering: if-folding (src/passes/if-folding.ts) inlines the taken branch
 * once the condition is a constant; prepare refuses an If left over (data-dependent condition).
 * Output types are the taken branch's declared outputs (the then-branch's while the condition is unknown).
 */
export const ifOp: OpDef = {
  opType: 'If',
  tflm: 'folded',
  tflmNote: 'folded into the taken branch when the condition is constant after input-shape pinning',
  infer(ctx) {
    checkArity(ctx, 1, 1, 1, Infinity);
    const cond = inputType(ctx, 0);
    if (cond.shape && cond.shape.reduce((a: number, d) => a * (typeof d === 'number' ? d : 1), 1) !== 1)
      throw invalidNode(ctx, `If condition must hold one element, has shape [${cond.shape}]`);
    const thenG = branch(ctx, 'then_branch');
    const elseG = branch(ctx, 'else_branch');
    if (thenG.outputs.length !== elseG.outputs.length || thenG.outputs.length < ctx.node.outputs.length)
      throw invalidNode(
        ctx,
        `If branches have ${thenG.outputs.length} and ${elseG.outputs.length} outputs, node lists ${ctx.node.outputs.length}`,
      );
    const c = ctx.consts[0];
    const taken = c ? (Number(c.data[0]) !== 0 ? thenG : elseG) : thenG;
    return taken.outputs.map((v): ValueType => ({ dtype: v.dtype, shape: v.shape ? [...v.shape] : null }));
  },
};
