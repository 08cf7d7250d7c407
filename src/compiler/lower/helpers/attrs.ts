/** Attribute readers for lowering (shape inference already validated attribute kinds). */
import { Node } from '../../../ir/types';
import { unsupported } from '../context';

export function intAttr(node: Node, name: string, dflt: number): number {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'int') throw unsupported(node, `attribute '${name}' must be an int`);
  return a.value;
}

export function floatAttr(node: Node, name: string, dflt: number): number {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'float' && a.kind !== 'int') throw unsupported(node, `attribute '${name}' must be a float`);
  return a.value;
}

export function intsAttr(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind !== 'ints') throw unsupported(node, `attribute '${name}' must be a list of ints`);
  return [...a.value];
}

export function stringAttr(node: Node, name: string, dflt: string): string {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'string') throw unsupported(node, `attribute '${name}' must be a string`);
  return a.value;
}

export function normalizeAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw unsupported(node, `axis ${axis} is outside rank ${rank}`);
  return a;
}
