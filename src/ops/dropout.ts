import { OpContext, OpDef, ValueType } from './types';
import { Tensor } from '../ir/types';
import { cloneTensor, toNumbers } from '../ir/tensor';
import { checkArity, hasInput, inputType, unsupportedForm } from './support/node-check';
import { fromNumbers } from './support/tensor-ops';

/** Inference-mode Dropout only: training_mode (opset 12+ input) must be absent or a constant false. */
function checkInference(ctx: OpContext, consts: (Tensor | undefined)[]): void {
  if (ctx.opset >= 12 && hasInput(ctx, 2)) {
    const t = consts[2];
    if (!t) throw unsupportedForm(ctx, 'with a non-constant training_mode input is not supported (inference only)');
    if (toNumbers(t)[0] !== 0) throw unsupportedForm(ctx, 'in training mode is not supported (inference only)');
  }
}

export const dropout: OpDef = {
  opType: 'Dropout',
  tflm: 'folded',
  tflmNote: 'removed by Dropout elimination (inference mode)',
  infer(ctx) {
    checkArity(ctx, 1, ctx.opset >= 12 ? 3 : 1, 1, 2);
    const x = inputType(ctx, 0);
    checkInference(ctx, ctx.consts);
    const out: ValueType[] = [{ dtype: x.dtype, shape: x.shape }];
    if (ctx.node.outputs.length > 1) out.push({ dtype: 'bool', shape: x.shape });
    return out;
  },
  evaluate(ctx, inputs) {
    checkInference(ctx, inputs);
    const x = inputs[0] as Tensor;
    const out = [cloneTensor(x)];
    if (ctx.node.outputs.length > 1) out.push(fromNumbers('bool', x.shape, new Array<number>(x.data.length).fill(1)));
    return out;
  },
};
