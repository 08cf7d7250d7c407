import { OpContext, OpDef } from './types';
import { Tensor } from '../ir/types';
import { cloneTensor, makeTensor } from '../ir/tensor';
import { checkArity, invalidNode, unsupportedForm } from './support/node-check';

/** The tensor a Constant node holds, from whichever one of its value attributes is set. */
function valueOf(ctx: OpContext): Tensor {
  const keys = Object.keys(ctx.node.attrs);
  if (keys.length !== 1)
    throw invalidNode(ctx, `Constant must have exactly one value attribute, has [${keys.join(', ')}]`);
  const a = ctx.node.attrs[keys[0]];
  switch (keys[0]) {
    case 'value':
      if (a.kind !== 'tensor') break;
      return a.value;
    case 'value_float':
      if (a.kind !== 'float') break;
      return makeTensor('float32', [], [a.value]);
    case 'value_floats':
      if (a.kind !== 'floats') break;
      return makeTensor('float32', [a.value.length], a.value);
    case 'value_int':
      if (a.kind !== 'int') break;
      return makeTensor('int64', [], [a.value]);
    case 'value_ints':
      if (a.kind !== 'ints') break;
      return makeTensor('int64', [a.value.length], a.value);
    case 'value_string':
    case 'value_strings':
      throw unsupportedForm(ctx, 'string constants are not supported');
    case 'sparse_value':
      throw unsupportedForm(ctx, 'sparse constants are not supported');
    default:
      throw invalidNode(ctx, `Constant has unknown attribute '${keys[0]}'`);
  }
  throw invalidNode(ctx, `Constant attribute '${keys[0]}' has the wrong kind ${a.kind}`);
}

export const constant: OpDef = {
  opType: 'Constant',
  tflm: 'folded',
  tflmNote: 'becomes a constant tensor',
  infer(ctx) {
    checkArity(ctx, 0, 0);
    const v = valueOf(ctx);
    return [{ dtype: v.dtype, shape: [...v.shape] }];
  },
  evaluate(ctx) {
    return [cloneTensor(valueOf(ctx))];
  },
};
