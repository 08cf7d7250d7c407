import { Tensor } from '../../ir/types';
import { OpContext } from '../types';
import { invalidNode } from './node-check';

/** Typed attribute readers; a wrong attribute kind is an E_ONNX_INVALID_NODE naming the node. */

export function attrInt(ctx: OpContext, name: string, dflt: number): number;
export function attrInt(ctx: OpContext, name: string): number | undefined;
export function attrInt(ctx: OpContext, name: string, dflt?: number): number | undefined {
  const a = ctx.node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'int') throw invalidNode(ctx, `attribute '${name}' must be an int, got ${a.kind}`);
  return a.value;
}

export function attrFloat(ctx: OpContext, name: string, dflt: number): number;
export function attrFloat(ctx: OpContext, name: string): number | undefined;
export function attrFloat(ctx: OpContext, name: string, dflt?: number): number | undefined {
  const a = ctx.node.attrs[name];
  if (!a) return dflt;
  if (a.kind === 'float' || a.kind === 'int') return a.value;
  throw invalidNode(ctx, `attribute '${name}' must be a float, got ${a.kind}`);
}

export function attrString(ctx: OpContext, name: string, dflt: string): string {
  const a = ctx.node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'string') throw invalidNode(ctx, `attribute '${name}' must be a string, got ${a.kind}`);
  return a.value;
}

export function attrInts(ctx: OpContext, name: string): number[] | undefined {
  const a = ctx.node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'ints') return a.value;
  if (a.kind === 'int') return [a.value];
  throw invalidNode(ctx, `attribute '${name}' must be a list of ints, got ${a.kind}`);
}

export function attrFloats(ctx: OpContext, name: string): number[] | undefined {
  const a = ctx.node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'floats') return a.value;
  throw invalidNode(ctx, `attribute '${name}' must be a list of floats, got ${a.kind}`);
}

export function attrTensor(ctx: OpContext, name: string): Tensor | undefined {
  const a = ctx.node.attrs[name];
  if (!a) return undefined;
  if (a.kind !== 'tensor') throw invalidNode(ctx, `attribute '${name}' must be a tensor, got ${a.kind}`);
  return a.value;
}
