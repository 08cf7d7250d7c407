import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerPool } from '../helpers/pool';

/** AveragePool → AVERAGE_POOL_2D (see helpers/pool.ts). */
export function lowerAveragePool(node: Node, ctx: LowerContext): void {
  lowerPool(node, ctx, 'average');
}
