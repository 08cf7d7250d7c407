/** Compile a builder's model (float32), serialize it, and compare it with onnxruntime. */
import { compileFloat, CompiledFloat } from '../../../src/compiler/compile-float';
import { InputLayout } from '../../../src/compiler/lower/lower-model';
import { serialize } from '../../../src/compiler/serialize';
import { compareWithOnnx, Comparison } from './compare';
import { GraphBuilder } from './graph';

export interface Checked {
  compiled: CompiledFloat;
  tflite: Uint8Array;
  comparison: Comparison;
  ops: string[];
  count(op: string): number;
}

export async function compileAndCompare(
  b: GraphBuilder,
  opts: { inputLayout?: InputLayout; samples?: number } = {},
): Promise<Checked> {
  const bytes = b.bytes();
  const compiled = compileFloat(bytes, { inputLayout: opts.inputLayout });
  const tflite = serialize(compiled.graph);
  const comparison = await compareWithOnnx(bytes, tflite, compiled.graph, { samples: opts.samples ?? 8 });
  const ops = compiled.graph.ops.map((o) => o.op);
  return { compiled, tflite, comparison, ops, count: (op) => ops.filter((o) => o === op).length };
}
