/**
 * Per-tensor int8 parameters for every activation of a float TflGraph.
 *
 * 1. Each float activation starts from the calibrated range of its `source` ONNX value,
 *    bounded by what its producer implies (fused ReLU/ReLU6, standalone RELU/RELU6).
 * 2. Operators whose int8 kernels need identical input/output parameters join their tensors
 *    into one group (union-find); a group's range is the union of its members' ranges, so no
 *    member is clipped. Constant operands of such operators (a MAXIMUM's 0, a PADV2's pad
 *    value, a concatenated constant) join the group with the range of their values.
 * 3. Fixed output parameters (SOFTMAX, LOGISTIC, TANH) override their group's range; two
 *    different fixed parameter sets in one group cannot both hold and are reported.
 */
import { EdgelockError } from '../../errors';
import { RangeMap, TflGraph, TflOp, TflTensor } from '../tfl-graph';
import { outputBound, quantRule } from './constraints';
import { AffineParams, Range, activationParams, fixedParams, sameParams, withZero } from './params';

export type CalibratedRanges = ReadonlyMap<string, Range>;

/** A float tensor without data: an activation (graph input or op output). */
export function isFloatActivation(t: TflTensor): boolean {
  return t.dtype === 'float32' && t.data === undefined;
}

/** A float constant that joins a shared-parameter group as an operand (not a weight or bias). */
function isSharedConstOperand(t: TflTensor): boolean {
  return t.dtype === 'float32' && t.data !== undefined && (t.role === undefined || t.role === 'const-operand');
}

class UnionFind {
  private readonly parent = new Map<number, number>();
  find(x: number): number {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

function dataRange(t: TflTensor): Range {
  const d = t.data as Float32Array;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new EdgelockError('E_QUANT_RANGE', `constant '${t.name}' holds non-finite values`);
  }
  return { min, max };
}

/** The range of an intermediate from its source's calibrated range (RangeMap is monotone on it). */
function derivedRange(calibrated: Range, map: RangeMap, name: string, op: TflOp | undefined): Range {
  const r = calibrated.observed ?? calibrated;
  if (map.kind === 'affine') {
    const a = map.scale * r.min + map.offset;
    const b = map.scale * r.max + map.offset;
    return { min: Math.min(a, b), max: Math.max(a, b) };
  }
  if (!(r.min > 0)) {
    throw new EdgelockError(
      'E_QUANT_RANGE',
      `tensor '${name}' is a reciprocal of a value whose calibrated range [${r.min}, ${r.max}] reaches 0`,
      { node: op?.onnxNode },
    );
  }
  return { min: 1 / r.max, max: 1 / r.min };
}

function producers(g: TflGraph): Map<number, TflOp> {
  const m = new Map<number, TflOp>();
  for (const op of g.ops) for (const o of op.outputs) if (o >= 0) m.set(o, op);
  return m;
}

function intersect(r: Range, bound: Range | null): Range {
  if (!bound) return r;
  const min = Math.max(r.min, bound.min);
  const max = Math.min(r.max, bound.max);
  // a calibrated range entirely outside the bound (never happens for real data) collapses to the bound's edge
  return min <= max ? { min, max } : { min: Math.min(min, max), max: Math.min(min, max) };
}

/**
 * Parameters for every float activation, and for float constants that must share an
 * operator's parameters, keyed by tensor id.
 */
export function activationParamsFor(g: TflGraph, ranges: CalibratedRanges): Map<number, AffineParams> {
  const producedBy = producers(g);
  const ranged = new Map<number, Range>();
  for (const t of g.tensors) {
    if (!isFloatActivation(t)) continue;
    const op = producedBy.get(t.id);
    const where = op ? ` (output of ${op.op} from ONNX node '${op.onnxNode}')` : '';
    if (t.source === undefined) {
      throw new EdgelockError(
        'E_QUANT_RANGE',
        `activation '${t.name}'${where} records no ONNX source value to take its range from`,
        { node: op?.onnxNode },
      );
    }
    const calibrated = ranges.get(t.source);
    if (!calibrated) {
      throw new EdgelockError(
        'E_QUANT_RANGE',
        `no calibrated range for ONNX value '${t.source}' (tensor '${t.name}'${where})`,
        { node: op?.onnxNode },
      );
    }
    const r = t.derive ? derivedRange(calibrated, t.derive, t.name, op) : calibrated;
    ranged.set(t.id, withZero(intersect(r, op ? outputBound(op) : null)));
  }

  const groups = new UnionFind();
  const fixed = new Map<number, { scale: number; zeroPoint: number; op: TflOp }>();
  for (const op of g.ops) {
    const rule = quantRule(op.op);
    if (!rule) continue;
    const out = op.outputs[0];
    if (rule.fixedOutput && out >= 0) fixed.set(out, { ...rule.fixedOutput, op });
    if (!rule.shared || out < 0 || !ranged.has(out)) continue;
    for (const i of op.inputs) {
      if (i < 0) continue;
      const t = g.tensors[i];
      if (ranged.has(i)) groups.union(i, out);
      else if (isSharedConstOperand(t)) {
        if (!ranged.has(i)) ranged.set(i, withZero(dataRange(t)));
        groups.union(i, out);
      }
    }
  }

  const groupRange = new Map<number, Range>();
  for (const [id, r] of ranged) {
    const root = groups.find(id);
    const prev = groupRange.get(root);
    groupRange.set(root, prev ? { min: Math.min(prev.min, r.min), max: Math.max(prev.max, r.max) } : r);
  }
  const groupFixed = new Map<number, { scale: number; zeroPoint: number; op: TflOp }>();
  for (const [id, f] of fixed) {
    if (!ranged.has(id)) continue;
    const root = groups.find(id);
    const prev = groupFixed.get(root);
    if (prev && !sameParams(prev, f)) {
      throw new EdgelockError(
        'E_QUANT_RANGE',
        `${prev.op.op} (node '${prev.op.onnxNode}') and ${f.op.op} (node '${f.op.onnxNode}') need different ` +
          `fixed int8 output parameters but feed one operator that requires equal parameters`,
        { node: f.op.onnxNode, op: f.op.op },
      );
    }
    groupFixed.set(root, f);
  }

  const params = new Map<number, AffineParams>();
  const perGroup = new Map<number, AffineParams>();
  for (const id of ranged.keys()) {
    const root = groups.find(id);
    let p = perGroup.get(root);
    if (!p) {
      const f = groupFixed.get(root);
      p = f
        ? fixedParams(f.scale, f.zeroPoint)
        : activationParams(groupRange.get(root)!, `tensor '${g.tensors[id].name}'`);
      perGroup.set(root, p);
    }
    params.set(id, p);
  }
  return params;
}
