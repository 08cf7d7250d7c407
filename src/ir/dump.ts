import { createHash } from 'crypto';
import { Attr, Dim, Model, Node, Tensor, ValueInfo } from './types';
import { tensorBytes } from './tensor';
import { topologicalSort } from './graph-utils';

/**
 * A deterministic text form of a model: the same graph always prints the same text, whatever the
 * order of maps or the machine. Tensor data is summarised by the first 8 hex digits of its SHA-256,
 * so a golden file notices any change in values without holding them.
 */
export function dumpGraph(model: Model): string {
  const g = model.graph;
  const lines: string[] = [];
  lines.push(
    `model ir=${model.irVersion} producer=${JSON.stringify(`${model.producerName} ${model.producerVersion}`.trim())}`,
  );
  for (const o of [...model.opsetImports].sort((a, b) => a.domain.localeCompare(b.domain))) {
    lines.push(`opset ${o.domain === '' ? 'ai.onnx' : o.domain}=${o.version}`);
  }
  for (const v of g.inputs) lines.push(`input ${v.name}: ${typeText(v)}`);
  for (const v of g.outputs) lines.push(`output ${v.name}: ${typeText(v)}`);
  for (const name of [...g.initializers.keys()].sort()) {
    lines.push(`init ${name}: ${tensorSummary(g.initializers.get(name) as Tensor)}`);
  }
  const declared = new Set([...g.inputs, ...g.outputs].map((v) => v.name));
  for (const n of topologicalSort(g)) {
    lines.push(
      `node ${n.name}: ${n.domain ? `${n.domain}.` : ''}${n.opType}(${n.inputs.join(', ')}) -> (${n.outputs.join(', ')})${attrsText(n)}`,
    );
    for (const o of n.outputs) {
      const vi = g.valueInfo.get(o);
      if (o !== '' && vi && !declared.has(o)) lines.push(`  ${o}: ${typeText(vi)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function tensorChecksum(t: Tensor): string {
  return createHash('sha256').update(tensorBytes(t)).digest('hex').slice(0, 8);
}

function tensorSummary(t: Tensor): string {
  return `${t.dtype}[${t.shape.join(',')}] sha256=${tensorChecksum(t)}`;
}

function dimText(d: Dim): string {
  return d === null ? '?' : String(d);
}

function typeText(v: ValueInfo): string {
  return v.shape === null ? `${v.dtype}[*]` : `${v.dtype}[${v.shape.map(dimText).join(',')}]`;
}

function floatText(x: number): string {
  // Float attributes arrive as float32; 9 significant digits name a float32 exactly.
  return Number.isInteger(x) ? x.toFixed(1) : String(Number(x.toPrecision(9)));
}

function attrText(a: Attr): string {
  switch (a.kind) {
    case 'int':
      return String(a.value);
    case 'float':
      return floatText(a.value);
    case 'string':
      return JSON.stringify(a.value);
    case 'ints':
      return `[${a.value.join(',')}]`;
    case 'floats':
      return `[${a.value.map(floatText).join(',')}]`;
    case 'strings':
      return `[${a.value.map((s) => JSON.stringify(s)).join(',')}]`;
    case 'tensor':
      return tensorSummary(a.value);
    case 'graph':
      return `graph(${a.value.nodes.length} nodes -> ${a.value.outputs.map((v) => v.name).join(',')})`;
  }
}

function attrsText(n: Node): string {
  const keys = Object.keys(n.attrs).sort();
  return keys.length === 0 ? '' : ' ' + keys.map((k) => `${k}=${attrText(n.attrs[k])}`).join(' ');
}
