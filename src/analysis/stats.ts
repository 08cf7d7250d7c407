import { DTYPE_BYTES, shapeSize } from '../ir/tensor';
import { Model, Tensor, ValueInfo } from '../ir/types';
import { defaultOpset } from '../ir/opsets';
import { getOpDef } from '../ops/registry';
import { OpContext, TflmSupport, ValueType } from '../ops/types';

export interface OpSummary {
  opType: string;
  count: number;
  tflm: TflmSupport | 'unknown';
  note: string;
}

export interface ModelStats {
  params: number;
  paramBytes: number;
  macs: number;
  ops: OpSummary[];
}

/** Parameter count (initializer elements), bytes, MACs and per-op support for a shape-inferred model. */
export function modelStats(model: Model): ModelStats {
  const g = model.graph;
  let params = 0;
  let paramBytes = 0;
  for (const t of g.initializers.values()) {
    const n = shapeSize(t.shape);
    params += n;
    paramBytes += n * DTYPE_BYTES[t.dtype];
  }
  const opset = defaultOpset(model.opsetImports) ?? 13;
  const typeOf = (name: string): ValueType | undefined => {
    if (name === '') return undefined;
    const init = g.initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.shape };
    const vi: ValueInfo | undefined =
      g.valueInfo.get(name) ?? g.inputs.find((v) => v.name === name) ?? g.outputs.find((v) => v.name === name);
    return vi ? { dtype: vi.dtype, shape: vi.shape } : undefined;
  };
  let macs = 0;
  const counts = new Map<string, number>();
  for (const node of g.nodes) {
    counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
    const def = getOpDef(node.opType);
    if (!def?.macs) continue;
    const ctx: OpContext = {
      node,
      opset,
      inputs: node.inputs.map(typeOf),
      consts: node.inputs.map((n): Tensor | undefined => g.initializers.get(n)),
    };
    const outs = node.outputs.map((o) => typeOf(o)).filter((t): t is ValueType => t !== undefined);
    macs += def.macs(ctx, outs);
  }
  const ops = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([opType, count]) => {
      const def = getOpDef(opType);
      return {
        opType,
        count,
        tflm: def ? def.tflm : ('unknown' as const),
        note: def ? def.tflmNote : 'not in edgelock op table',
      };
    });
  return { params, paramBytes, macs, ops };
}
