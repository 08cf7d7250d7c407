import { OpDef } from './types';
import { reducedAxes, reduceOp } from './support/reduce';

export const reduceMean: OpDef = reduceOp(
  'ReduceMean',
  18,
  { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n },
  'int8',
  '→ MEAN (over the spatial axes)',
  (ctx) => {
    const rank = ctx.inputs[0]?.shape?.length;
    const axes = rank === undefined ? null : reducedAxes(ctx, rank, 18, ctx.consts);
    const spatial =
      rank !== undefined &&
      rank >= 3 &&
      Array.isArray(axes) &&
      axes.length === rank - 2 &&
      axes.every((a, i) => a === i + 2);
    return spatial
      ? { support: 'int8', note: '→ MEAN over the spatial axes' }
      : { support: 'none', note: 'only ReduceMean over all spatial axes of an N,C,… tensor is lowered (→ MEAN)' };
  },
);
