import { Tensor } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { OpContext } from '../types';
import { attrInts } from './attrs';
import { hasInput, invalidNode } from './node-check';

/**
 * Axes that an op takes as an attribute before `inputSince` and as input `inputIndex` from that opset on.
 * Returns null when the axes input exists but is not a known constant; undefined when no axes are given.
 */
export function axesOf(
  ctx: OpContext,
  inputSince: number,
  inputIndex: number,
  consts: (Tensor | undefined)[],
): number[] | undefined | null {
  if (ctx.opset < inputSince) {
    if (hasInput(ctx, inputIndex))
      throw invalidNode(ctx, `${ctx.node.opType} takes axes as an attribute before opset ${inputSince}`);
    return attrInts(ctx, 'axes');
  }
  if (ctx.node.attrs.axes)
    throw invalidNode(
      ctx,
      `${ctx.node.opType} takes axes as an input from opset ${inputSince} on, not as an attribute`,
    );
  if (!hasInput(ctx, inputIndex)) return undefined;
  const t = consts[inputIndex];
  return t ? toNumbers(t) : null;
}

/** Normalises axes against a rank, rejecting out-of-range and duplicate axes. */
export function normAxes(ctx: OpContext, axes: number[], rank: number): number[] {
  const out = axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw invalidNode(ctx, `axis ${a} is out of range for rank ${rank}`);
    return n;
  });
  if (new Set(out).size !== out.length) throw invalidNode(ctx, `axes [${axes}] contain duplicates`);
  return out;
}
