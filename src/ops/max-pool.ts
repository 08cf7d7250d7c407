import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { checkArity, unsupportedForm } from './support/node-check';
import { poolEvaluate, poolGeometry } from './support/pool';

const LOWEST_FLOAT = -3.4028234663852886e38;

export const maxPool: OpDef = {
  opType: 'MaxPool',
  tflm: 'int8',
  tflmNote: '→ MAX_POOL_2D',
  infer(ctx) {
    checkArity(ctx, 1, 1, 1, 2);
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') {
      throw unsupportedForm(ctx, 'with the Indices output is not supported (only the pooled values are)');
    }
    const { x, window } = poolGeometry(ctx);
    return [{ dtype: x.dtype, shape: [x.shape![0], x.shape![1], ...window.out] }];
  },
  evaluate(ctx, inputs) {
    const { window } = poolGeometry(ctx);
    return [
      poolEvaluate(inputs[0] as Tensor, window, (vals) => (vals.length === 0 ? LOWEST_FLOAT : Math.max(...vals))),
    ];
  },
};
