import { OpDef } from './types';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { broadcastShapes } from './support/shape';
import { mapBroadcast } from './support/tensor-ops';
import { Tensor } from '../ir/types';

export const where: OpDef = {
  opType: 'Where',
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  infer(ctx) {
    checkArity(ctx, 3, 3);
    const [c, x, y] = [0, 1, 2].map((i) => inputType(ctx, i));
    if (c.dtype !== 'bool') throw invalidNode(ctx, `Where condition must be bool, got ${c.dtype}`);
    if (x.dtype !== y.dtype) throw invalidNode(ctx, `Where branches have different types (${x.dtype}, ${y.dtype})`);
    return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [c.shape, x.shape, y.shape]) }];
  },
  evaluate(_ctx, inputs) {
    const [c, x, y] = inputs as Tensor[];
    return [mapBroadcast([c, x, y], x.dtype, (cv, xv, yv) => (cv ? xv : yv))];
  },
};
