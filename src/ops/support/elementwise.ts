import { DType, Tensor } from '../../ir/types';
import { cloneTensor } from '../../ir/tensor';
import { OpContext, OpDef, TflmSupport, TflmVerdict, ValueType } from '../types';
import { checkArity, inputType, invalidNode } from './node-check';
import { broadcastShapes } from './shape';
import { isFloat, mapBroadcast } from './tensor-ops';

interface ElementwiseOptions {
  tflm: TflmSupport;
  tflmNote: string;
  /** Inputs must be float tensors. */
  floatOnly?: boolean;
  /** Inputs must be float tensors below this opset (integer types were added to the op then). */
  floatOnlyBefore?: number;
  /** Output dtype when it is not the first input's dtype. */
  outDtype?: DType;
  /** Inputs may have different dtypes (Pow's exponent). */
  mixedTypes?: boolean;
  tflmFor?: (ctx: OpContext) => TflmVerdict;
}

function checkTypes(ctx: OpContext, types: ValueType[], opts: ElementwiseOptions): void {
  if (opts.floatOnly || (opts.floatOnlyBefore !== undefined && ctx.opset < opts.floatOnlyBefore)) {
    for (const t of types)
      if (!isFloat(t.dtype)) throw invalidNode(ctx, `${ctx.node.opType} needs float inputs, got ${t.dtype}`);
  }
  if (!opts.mixedTypes) {
    for (const t of types) {
      if (t.dtype !== types[0].dtype)
        throw invalidNode(
          ctx,
          `${ctx.node.opType} inputs have different types (${types.map((x) => x.dtype).join(', ')})`,
        );
    }
  }
}

/** An elementwise op with `arity` inputs (Infinity: variadic, at least 1) and numpy broadcasting. */
export function elementwiseOp(
  opType: string,
  arity: number,
  fnFor: (ctx: OpContext, dtype: DType) => (...v: number[]) => number,
  opts: ElementwiseOptions,
): OpDef {
  const minIn = arity === Infinity ? 1 : arity;
  return {
    opType,
    tflm: opts.tflm,
    tflmNote: opts.tflmNote,
    ...(opts.tflmFor ? { tflmFor: opts.tflmFor } : {}),
    infer(ctx) {
      checkArity(ctx, minIn, arity);
      const types = ctx.node.inputs.map((_, i) => inputType(ctx, i));
      checkTypes(ctx, types, opts);
      const shape = broadcastShapes(
        ctx,
        types.map((t) => t.shape),
      );
      return [{ dtype: opts.outDtype ?? types[0].dtype, shape }];
    },
    evaluate(ctx, inputs) {
      const ts = inputs as Tensor[];
      const fn = fnFor(ctx, ts[0].dtype);
      if (arity === Infinity) {
        // Variadic ops fold pairwise (associative reductions: Max, Min, Sum).
        let acc = cloneTensor(ts[0]);
        for (let i = 1; i < ts.length; i++) acc = mapBroadcast([acc, ts[i]], acc.dtype, fn);
        return [acc];
      }
      return [mapBroadcast(ts, opts.outDtype ?? ts[0].dtype, fn)];
    },
  };
}

/** A one-input elementwise op. */
export function unaryOp(
  opType: string,
  fnFor: (ctx: OpContext, dtype: DType) => (x: number) => number,
  opts: ElementwiseOptions,
): OpDef {
  return elementwiseOp(opType, 1, fnFor, opts);
}

/** Integer-aware division: ONNX integer Div truncates toward zero; an integer zero divisor is an error. */
export function divide(ctx: OpContext, dtype: DType): (a: number, b: number) => number {
  if (isFloat(dtype)) return (a, b) => a / b;
  return (a, b) => {
    if (b === 0) throw invalidNode(ctx, 'integer division by zero in a constant Div');
    return Math.trunc(a / b);
  };
}
