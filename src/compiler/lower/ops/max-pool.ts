import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerPool } from '../helpers/pool';

/** MaxPool → MAX_POOL_2D (see helpers/pool.ts). */
export function lowerMaxPool(node: Node, ctx: LowerContext): void {
  lowerPool(node, ctx, 'max');
}
