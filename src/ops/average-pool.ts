import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { attrInt } from './support/attrs';
import { checkArity, unsupportedForm } from './support/node-check';
import { poolEvaluate, poolGeometry } from './support/pool';

export const averagePool: OpDef = {
  opType: 'AveragePool',
  tflm: 'int8',
  tflmNote: '→ AVERAGE_POOL_2D',
  tflmFor(ctx) {
    const pads = ctx.node.attrs.pads;
    const padded = pads && pads.kind === 'ints' && pads.value.some((p) => p !== 0);
    if (padded && attrInt(ctx, 'count_include_pad', 0) !== 0) {
      return { support: 'none', note: 'AveragePool counting padding has no TFLM equivalent (TFLM excludes padding)' };
    }
    return { support: 'int8', note: '→ AVERAGE_POOL_2D' };
  },
  infer(ctx) {
    checkArity(ctx, 1, 1);
    if (ctx.node.attrs.dilations)
      throw unsupportedForm(ctx, 'dilations exist only from opset 19; edgelock supports up to 18');
    const { x, window } = poolGeometry(ctx);
    return [{ dtype: x.dtype, shape: [x.shape![0], x.shape![1], ...window.out] }];
  },
  evaluate(ctx, inputs) {
    const { window } = poolGeometry(ctx);
    const includePad = attrInt(ctx, 'count_include_pad', 0) !== 0;
    return [
      poolEvaluate(inputs[0] as Tensor, window, (vals, visit) => {
        let s = 0;
        for (const v of vals) s += v;
        return s / (includePad ? visit.paddedCount : vals.length);
      }),
    ];
  },
};
