/**
 * The constraint table (src/compiler/quantize/constraints.ts) against the official TFLite
 * runtime: single-op int8 models show that
 * - SOFTMAX and LOGISTIC are rejected with any output parameters but the table's, and the
 *   table's parameters (also TANH's) give the float function within one step;
 * - copy-like operators marked `shared` move int8 codes without requantising: with equal
 *   input/output parameters the dequantised result is the float op's, with unequal ones the
 *   runtime either rejects the model (CONCATENATION) or returns wrong values.
 */
import { QUANT_RULES } from '../../src/compiler/quantize/constraints';
import { TfliteBuilder, options } from '../../src/tflite/builder';
import {
  ConcatenationOptionsT,
  MaximumMinimumOptionsT,
  PadOptionsT,
  Pool2DOptionsT,
  ReshapeOptionsT,
  SoftmaxOptionsT,
} from '../../src/tflite/generated';
import { TfliteOpName } from '../../src/tflite/builtins';
import { runTflite } from '../../src/tflite/oracle';

const X_SCALE = 0.05;
const X_ZP = 3;
const X_CODES = [-128, -100, -50, 0, 20, 40, 60, 100, 127];

async function unary(op: TfliteOpName, scale: number, zeroPoint: number): Promise<number[]> {
  const b = new TfliteBuilder();
  const n = X_CODES.length;
  const x = b.addTensor({
    name: 'x',
    shape: [1, n],
    dtype: 'int8',
    quantization: { scale: [X_SCALE], zeroPoint: [X_ZP] },
  });
  const y = b.addTensor({
    name: 'y',
    shape: [1, n],
    dtype: 'int8',
    quantization: { scale: [scale], zeroPoint: [zeroPoint] },
  });
  b.addOperator({
    op,
    version: 2,
    inputs: [x],
    outputs: [y],
    options: op === 'SOFTMAX' ? options(SoftmaxOptionsT, { beta: 1 }) : undefined,
  });
  b.setInputs([x]).setOutputs([y]);
  const [out] = await runTflite(b.finish(), [{ data: Int32Array.from(X_CODES), shape: [1, n] }]);
  return Array.from(out.data, (q) => (q - zeroPoint) * scale);
}

const xs = X_CODES.map((q) => (q - X_ZP) * X_SCALE);
const FLOAT_FN: Record<string, (v: number[]) => number[]> = {
  SOFTMAX: (v) => {
    const m = Math.max(...v);
    const e = v.map((a) => Math.exp(a - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((a) => a / s);
  },
  LOGISTIC: (v) => v.map((a) => 1 / (1 + Math.exp(-a))),
  TANH: (v) => v.map(Math.tanh),
};

describe('fixed output parameters', () => {
  test.each(['SOFTMAX', 'LOGISTIC', 'TANH'])(
    '%s: the table’s parameters give the float function within one step',
    async (op) => {
      const fixed = QUANT_RULES[op].fixedOutput!;
      const got = await unary(op as TfliteOpName, fixed.scale, fixed.zeroPoint);
      const want = FLOAT_FN[op](xs);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(fixed.scale * 1.0001));
    },
  );

  test.each(['SOFTMAX', 'LOGISTIC'])('%s: the runtime rejects other output parameters', async (op) => {
    await expect(unary(op as TfliteOpName, 0.01, -100)).rejects.toMatchObject({ code: 'E_RUNTIME' });
    await expect(unary(op as TfliteOpName, 1 / 128, 0)).rejects.toMatchObject({ code: 'E_RUNTIME' });
  });
});

interface CopyCase {
  op: TfliteOpName;
  outShape: number[];
  build: (
    b: TfliteBuilder,
    x: number,
  ) => { inputs: number[]; options?: Parameters<TfliteBuilder['addOperator']>[0]['options'] };
  /** The float result for input values [a, b, c, d] in a [1, 2, 2, 1] tensor. */
  float: (v: number[]) => number[];
}

const COPY_CASES: CopyCase[] = [
  {
    op: 'MAX_POOL_2D',
    outShape: [1, 1, 1, 1],
    build: (_, x) => ({
      inputs: [x],
      options: options(Pool2DOptionsT, { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2 }),
    }),
    float: (v) => [Math.max(...v)],
  },
  {
    op: 'AVERAGE_POOL_2D',
    outShape: [1, 1, 1, 1],
    build: (_, x) => ({
      inputs: [x],
      options: options(Pool2DOptionsT, { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2 }),
    }),
    float: (v) => [v.reduce((a, b) => a + b, 0) / 4],
  },
  {
    op: 'RESHAPE',
    outShape: [1, 4],
    build: (b, x) => ({
      inputs: [x, b.addConstTensor({ name: 's', shape: [2], dtype: 'int32', data: Int32Array.from([1, 4]) })],
      options: options(ReshapeOptionsT, { newShape: [1, 4] }),
    }),
    float: (v) => v,
  },
  {
    op: 'PAD',
    outShape: [1, 4, 2, 1],
    build: (b, x) => ({
      inputs: [
        x,
        b.addConstTensor({ name: 'p', shape: [4, 2], dtype: 'int32', data: Int32Array.from([0, 0, 1, 1, 0, 0, 0, 0]) }),
      ],
      options: options(PadOptionsT),
    }),
    float: (v) => [0, 0, ...v, 0, 0],
  },
  {
    op: 'CONCATENATION',
    outShape: [1, 2, 2, 2],
    build: (_, x) => ({ inputs: [x, x], options: options(ConcatenationOptionsT, { axis: 3 }) }),
    float: (v) => v.flatMap((a) => [a, a]),
  },
  {
    op: 'MAXIMUM',
    outShape: [1, 2, 2, 1],
    build: (_, x) => ({ inputs: [x, x], options: options(MaximumMinimumOptionsT) }),
    float: (v) => v,
  },
];

async function copyOp(c: CopyCase, outScale: number, outZp: number): Promise<number[]> {
  const b = new TfliteBuilder();
  const x = b.addTensor({
    name: 'x',
    shape: [1, 2, 2, 1],
    dtype: 'int8',
    quantization: { scale: [0.1], zeroPoint: [-20] },
  });
  const y = b.addTensor({
    name: 'y',
    shape: c.outShape,
    dtype: 'int8',
    quantization: { scale: [outScale], zeroPoint: [outZp] },
  });
  const spec = c.build(b, x);
  b.addOperator({
    op: c.op,
    version: c.op === 'RESHAPE' ? 1 : 2,
    inputs: spec.inputs,
    outputs: [y],
    options: spec.options,
  });
  b.setInputs([x]).setOutputs([y]);
  const [out] = await runTflite(b.finish(), [{ data: Int32Array.from([10, 20, 30, 40]), shape: [1, 2, 2, 1] }]);
  return Array.from(out.data, (q) => (q - outZp) * outScale);
}

describe('operators that need equal input/output parameters', () => {
  const values = [10, 20, 30, 40].map((q) => (q + 20) * 0.1);

  test.each(COPY_CASES.map((c) => [c.op, c] as const))(
    '%s is marked shared and is exact with shared parameters',
    async (op, c) => {
      expect(QUANT_RULES[op].shared).toBe(true);
      const got = await copyOp(c, 0.1, -20);
      const want = c.float(values);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(0.1 * 0.5 + 1e-6));
    },
  );

  test.each(COPY_CASES.map((c) => [c.op, c] as const))(
    '%s with different output parameters is rejected or wrong',
    async (_, c) => {
      let wrong: boolean;
      try {
        const got = await copyOp(c, 0.2, 0);
        const want = c.float(values);
        wrong = got.some((g, i) => Math.abs(g - want[i]) > 0.2);
      } catch (e) {
        expect(e).toMatchObject({ code: 'E_RUNTIME' });
        wrong = true;
      }
      expect(wrong).toBe(true);
    },
  );
});
