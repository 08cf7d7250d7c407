/**
 * Clip → a fused activation (RELU, RELU6, RELU_N1_TO_1) when the bounds match one and the
 * producer can take it; else RELU / RELU6 ops, or MAXIMUM/MINIMUM with constant bounds.
 */
import { Node } from '../../../ir/types';
import { FusedActivation } from '../../tfl-graph';
import { floatData, LowerContext, unsupported } from '../context';
import { tryFuseActivation } from '../helpers/fusion';
import { lowerAlias, lowerUnary } from '../helpers/unary';

/** A bound given as an optional constant input (opset ≥ 11, the oldest edgelock reads). */
function bound(ctx: LowerContext, node: Node, index: number, attr: string, dflt: number): number {
  const name = node.inputs[index];
  if (!name) return dflt;
  const t = ctx.constOf(name);
  if (!t) throw unsupported(node, `the ${attr} bound must be constant`);
  return floatData(t)[0];
}

const FLOAT32_MAX = 3.4028234663852886e38;

export function lowerClip(node: Node, ctx: LowerContext): void {
  const lo = bound(ctx, node, 1, 'min', -Infinity);
  const hi = bound(ctx, node, 2, 'max', Infinity);
  const noUpper = hi >= FLOAT32_MAX;
  const noLower = lo <= -FLOAT32_MAX;
  let fused: FusedActivation | null = null;
  if (lo === 0 && noUpper) fused = 'RELU';
  else if (lo === 0 && hi === 6) fused = 'RELU6';
  else if (lo === -1 && hi === 1) fused = 'RELU_N1_TO_1';
  if (fused && tryFuseActivation(ctx, node, fused)) return;
  if (fused === 'RELU' || fused === 'RELU6') return lowerUnary(ctx, node, fused);
  if (noLower && noUpper) return lowerAlias(ctx, node, ctx.shapeOf(node.outputs[0]));

  const x = ctx.act(node, node.inputs[0]);
  const outName = node.outputs[0];
  const shape = ctx.tensor(x.tensor).shape;
  let current = x.tensor;
  const steps: [string, number, boolean][] = [
    ['MAXIMUM', lo, noLower],
    ['MINIMUM', hi, noUpper],
  ];
  const active = steps.filter(([, , skip]) => !skip);
  active.forEach(([op, value], i) => {
    const c = ctx.addConst(`${outName}/${op.toLowerCase()}_bound`, [], Float32Array.of(value), 'const-operand');
    const last = i === active.length - 1;
    const o = ctx.addAct(last ? outName : `${outName}/${op.toLowerCase()}`, shape, last ? outName : node.inputs[0]);
    ctx.emit(op, { kind: 'MaximumMinimum' }, [current, c], [o], node);
    current = o;
  });
  ctx.defineAct(outName, current, x.logical, x.layout);
}
