/**
 * A compiled model's operators in the order the float network (src/trace/float-net.ts) builds them: a chain from
 * the input to the output, where a tensor read by two operators opens a residual join — two branches, each a chain
 * of operators (or none, the identity shortcut), that meet at one ADD. Anything else (a third reader, a branch that
 * forks again, an ADD of a constant, operators off the path, another output) is refused with E_TRACE_MODEL.
 */
import { EdgelockError } from '../errors';
import { TfliteOperatorInfo, TfliteSubgraphInfo } from '../tflite/reader';

export type GraphItem =
  { op: TfliteOperatorInfo } | { branches: [TfliteOperatorInfo[], TfliteOperatorInfo[]]; add: TfliteOperatorInfo };

/** E_TRACE_MODEL for a model the float network cannot read (float-net.ts refuses its operators the same way). */
export function refuse(why: string): never {
  throw new EdgelockError(
    'E_TRACE_MODEL',
    `black-box tracing reads convolutions, pools, dense layers and residual joins only: ${why}`,
  );
}

/** The tensors an operator reads as activations: both of an ADD's inputs, the first of any other. */
function dataInputs(op: TfliteOperatorInfo): number[] {
  return op.op === 'ADD' ? op.inputs.slice(0, 2) : op.inputs.slice(0, 1);
}

export function graphItems(sg: TfliteSubgraphInfo): GraphItem[] {
  if (sg.inputs.length !== 1 || sg.outputs.length !== 1) refuse('a model of one input and one output');
  const readers = new Map<number, TfliteOperatorInfo[]>();
  for (const op of sg.operators) for (const t of dataInputs(op)) readers.set(t, [...(readers.get(t) ?? []), op]);
  const items: GraphItem[] = [];
  const seen = new Set<number>();
  const take = (op: TfliteOperatorInfo) => {
    if (seen.has(op.index)) refuse(`operator ${op.index} (${op.op}) reached twice`);
    seen.add(op.index);
  };
  /** follows single readers from `op` until the next tensor's reader is an ADD; returns the chain and that ADD */
  const branch = (first: TfliteOperatorInfo): { ops: TfliteOperatorInfo[]; add: TfliteOperatorInfo } => {
    const ops: TfliteOperatorInfo[] = [];
    let op = first;
    while (op.op !== 'ADD') {
      take(op);
      ops.push(op);
      const next = readers.get(op.outputs[0]) ?? [];
      if (next.length !== 1) refuse(`a residual branch that forks or ends at tensor ${op.outputs[0]}`);
      op = next[0];
    }
    return { ops, add: op };
  };
  let t = sg.inputs[0];
  for (;;) {
    const next = readers.get(t) ?? [];
    if (next.length === 0) break;
    if (next.length === 1) {
      if (next[0].op === 'ADD')
        refuse(`an ADD (operator ${next[0].index}) that does not join two branches of one tensor`);
      take(next[0]);
      items.push({ op: next[0] });
      t = next[0].outputs[0];
      continue;
    }
    if (next.length !== 2) refuse(`tensor ${t} is read by ${next.length} operators`);
    const [a, b] = next.map(branch);
    if (a.add !== b.add) refuse(`the branches from tensor ${t} end at different operators`);
    const add = a.add;
    take(add);
    items.push({ branches: [a.ops, b.ops], add });
    t = add.outputs[0];
  }
  if (t !== sg.outputs[0]) refuse('a path from the input that does not end at the output');
  if (seen.size !== sg.operators.length) refuse(`${sg.operators.length - seen.size} operators off the input's path`);
  return items;
}
