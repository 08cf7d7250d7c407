import { EdgelockError } from '../../errors';
import { Tensor } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { OpContext, ValueType } from '../types';

/** E_ONNX_INVALID_NODE naming the node and op. */
export function invalidNode(ctx: OpContext, message: string): EdgelockError {
  return new EdgelockError('E_ONNX_INVALID_NODE', message, { node: ctx.node.name, op: ctx.node.opType });
}

/** E_ONNX_SHAPE naming the node and op. */
export function shapeError(ctx: OpContext, message: string): EdgelockError {
  return new EdgelockError('E_ONNX_SHAPE', message, { node: ctx.node.name, op: ctx.node.opType });
}

/** E_ONNX_UNSUPPORTED_OP naming the node and op (a valid ONNX form edgelock does not implement). */
export function unsupportedForm(ctx: OpContext, reason: string): EdgelockError {
  return new EdgelockError('E_ONNX_UNSUPPORTED_OP', `${ctx.node.opType} ${reason}`, {
    node: ctx.node.name,
    op: ctx.node.opType,
  });
}

/** Checks the number of inputs (counting omitted optional ones) and of outputs. */
export function checkArity(ctx: OpContext, minIn: number, maxIn: number, minOut = 1, maxOut = 1): void {
  const nIn = ctx.node.inputs.length;
  if (nIn < minIn || nIn > maxIn) {
    const want = minIn === maxIn ? `${minIn}` : maxIn === Infinity ? `at least ${minIn}` : `${minIn}-${maxIn}`;
    throw invalidNode(ctx, `${ctx.node.opType} takes ${want} inputs, node has ${nIn}`);
  }
  const nOut = ctx.node.outputs.length;
  if (nOut < minOut || nOut > maxOut) {
    const want = minOut === maxOut ? `${minOut}` : `${minOut}-${maxOut}`;
    throw invalidNode(ctx, `${ctx.node.opType} produces ${want} outputs, node has ${nOut}`);
  }
}

/** The type of a required input. */
export function inputType(ctx: OpContext, i: number): ValueType {
  const t = ctx.node.inputs[i] ? ctx.inputs[i] : undefined;
  if (!t) throw invalidNode(ctx, `${ctx.node.opType} input ${i} is required but missing`);
  return t;
}

/** The type of an optional input, or undefined when it is omitted. */
export function optionalType(ctx: OpContext, i: number): ValueType | undefined {
  return i < ctx.node.inputs.length && ctx.node.inputs[i] !== '' ? ctx.inputs[i] : undefined;
}

export function hasInput(ctx: OpContext, i: number): boolean {
  return i < ctx.node.inputs.length && ctx.node.inputs[i] !== '';
}

/** Integer values of a constant input (undefined if the input is omitted or not constant). */
export function constInts(ctx: OpContext, i: number): number[] | undefined {
  if (!hasInput(ctx, i)) return undefined;
  const t = ctx.consts[i];
  return t ? toNumbers(t) : undefined;
}

/** Integer values of an input given as a tensor during evaluation. */
export function tensorInts(t: Tensor | undefined): number[] | undefined {
  return t ? toNumbers(t) : undefined;
}

export function requireFloat(ctx: OpContext, t: ValueType, what: string): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'float16') {
    throw invalidNode(ctx, `${ctx.node.opType} ${what} must be a float tensor, got ${t.dtype}`);
  }
}

/** An OpContext view with constant tensors (used by evaluate to reuse attribute/shape logic). */
export function withConsts(ctx: OpContext, inputs: (Tensor | undefined)[]): OpContext {
  return {
    ...ctx,
    consts: inputs,
    inputs: ctx.node.inputs.map((name, i) =>
      name && inputs[i] ? { dtype: inputs[i]!.dtype, shape: [...inputs[i]!.shape] } : ctx.inputs[i],
    ),
  };
}
