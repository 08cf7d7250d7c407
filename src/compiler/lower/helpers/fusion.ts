/**
 * Fusing a following activation into its producer's `fusedActivation` (TFLite's converter does
 * the same): valid when the producer's output is read by nothing but the activation.
 */
import { Node } from '../../../ir/types';
import { FusedActivation, TflOptions } from '../../tfl-graph';
import { LowerContext } from '../context';

/** TFLite ops whose kernels (float and int8, in TFLite and TFLite Micro) apply a fused activation. */
const FUSABLE_OPS = new Set([
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'FULLY_CONNECTED',
  'ADD',
  'SUB',
  'MUL',
  'AVERAGE_POOL_2D',
  'MAX_POOL_2D',
]);

type WithActivation = Extract<TflOptions, { fusedActivation: FusedActivation }>;

function hasActivation(o: TflOptions): o is WithActivation {
  return 'fusedActivation' in o;
}

/**
 * The single activation equal to applying `next` after `current`, if there is one
 * (PyTorch exports relu6 as Relu followed by Clip(0, 6)).
 */
function compose(current: FusedActivation, next: FusedActivation): FusedActivation | null {
  if (current === 'NONE') return next;
  const reluFamily = (a: FusedActivation) => a === 'RELU' || a === 'RELU6';
  if (reluFamily(current) && reluFamily(next)) return current === 'RELU6' || next === 'RELU6' ? 'RELU6' : 'RELU';
  return null;
}

/** Tries to fuse `activation` (the node's effect) into the producer of the node's first input. */
export function tryFuseActivation(ctx: LowerContext, node: Node, activation: FusedActivation): boolean {
  const inName = node.inputs[0];
  const v = ctx.values.get(inName);
  if (!v || v.kind !== 'act' || !v.owner) return false;
  if (ctx.useCount(inName) !== 1 || ctx.isGraphOutput(inName)) return false;
  if (ctx.tensorReaders(v.tensor) !== 0 || ctx.g.inputs.includes(v.tensor)) return false;
  const opIndex = ctx.producer.get(v.tensor);
  if (opIndex === undefined) return false;
  const op = ctx.g.ops[opIndex];
  if (!FUSABLE_OPS.has(op.op) || !hasActivation(op.options)) return false;
  const combined = compose(op.options.fusedActivation, activation);
  if (!combined) return false;
  op.options = { ...op.options, fusedActivation: combined };
  const t = ctx.tensor(v.tensor);
  t.name = ctx.uniqueName(node.outputs[0]);
  t.source = node.outputs[0];
  ctx.defineAct(node.outputs[0], v.tensor, v.logical, v.layout, true);
  return true;
}
