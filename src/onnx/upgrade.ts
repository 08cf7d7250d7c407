/**
 * Old opsets (7-10, as paddle2onnx and older PyTorch/Keras exporters write) upgraded on import to
 * opset 11, the oldest form the op table implements. One rewrite per op whose signature changed
 * between the model's opset and 11 (a table); every other op of the default domain has the same
 * meaning at 11. What cannot be expressed at 11 (BatchNormalization with spatial=0) is refused
 * naming the node.
 */
import { EdgelockError } from '../errors';
import { makeTensor } from '../ir/tensor';
import { Attr, Model, Node, Tensor } from '../ir/types';

/** The oldest default-domain opset import accepts (upgraded to UPGRADE_TARGET). */
export const MIN_UPGRADABLE_OPSET = 7;
export const UPGRADE_TARGET = 11;

interface Rewrite {
  /** Opsets (of the model) below this one need the rewrite. */
  before: number;
  /** Replaces the node (same outputs); `constant` adds an initializer and returns its name. */
  apply(node: Node, opset: number, constant: (base: string, t: Tensor) => string): Node;
}

function where(node: Node): { node: string; op: string } {
  return { node: node.name, op: node.opType };
}

function ints(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'ints') return a.value;
  if (a.kind === 'int') return [a.value];
  throw new EdgelockError(
    'E_ONNX_INVALID_NODE',
    `attribute '${name}' must be a list of ints, got ${a.kind}`,
    where(node),
  );
}

function float(node: Node, name: string): number | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'float' || a.kind === 'int') return a.value;
  throw new EdgelockError('E_ONNX_INVALID_NODE', `attribute '${name}' must be a float, got ${a.kind}`, where(node));
}

function without(attrs: Record<string, Attr>, ...names: string[]): Record<string, Attr> {
  const out = { ...attrs };
  for (const n of names) delete out[n];
  return out;
}

const str = (value: string): Attr => ({ kind: 'string', value });
const i64 = (values: number[]): Tensor => makeTensor('int64', [values.length], values);
const f32 = (values: number[], shape = [values.length]): Tensor =>
  makeTensor('float32', shape, Float32Array.from(values));

/**
 * Upsample (7: scales attribute; 9: scales input) and Resize-10 → Resize-11. Before 11 both map
 * output pixel x to input pixel x / scale ('asymmetric') and nearest takes the floor of it.
 */
function toResize11(node: Node, scales: string, constant: (base: string, t: Tensor) => string): Node {
  const mode = node.attrs.mode?.kind === 'string' ? node.attrs.mode.value : 'nearest';
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') {
    throw new EdgelockError(
      'E_ONNX_UNSUPPORTED_OP',
      `${node.opType} mode '${mode}' is not supported (nearest and linear are)`,
      where(node),
    );
  }
  const roi = constant(`${node.name}_roi`, f32([], [0]));
  return {
    ...node,
    opType: 'Resize',
    inputs: [node.inputs[0], roi, scales],
    attrs: {
      mode: str(mode === 'bilinear' ? 'linear' : mode),
      coordinate_transformation_mode: str('asymmetric'),
      nearest_mode: str('floor'),
    },
  };
}

const REWRITES: Readonly<Record<string, Rewrite>> = {
  Upsample: {
    before: 11,
    apply(node, opset, constant) {
      if (opset >= 9) return toResize11(node, node.inputs[1], constant);
      const scales = node.attrs.scales;
      if (!scales || scales.kind !== 'floats')
        throw new EdgelockError('E_ONNX_INVALID_NODE', 'Upsample-7 needs a scales attribute (floats)', where(node));
      return toResize11(node, constant(`${node.name}_scales`, f32(scales.value)), constant);
    },
  },
  Resize: {
    before: 11,
    apply: (node, _opset, constant) => toResize11(node, node.inputs[1], constant),
  },
  Slice: {
    before: 10,
    apply(node, _opset, constant) {
      const starts = ints(node, 'starts');
      const ends = ints(node, 'ends');
      if (!starts || !ends)
        throw new EdgelockError(
          'E_ONNX_INVALID_NODE',
          'Slice before opset 10 needs starts and ends attributes',
          where(node),
        );
      const axes = ints(node, 'axes');
      const inputs = [
        node.inputs[0],
        constant(`${node.name}_starts`, i64(starts)),
        constant(`${node.name}_ends`, i64(ends)),
      ];
      if (axes) inputs.push(constant(`${node.name}_axes`, i64(axes)));
      return { ...node, inputs, attrs: without(node.attrs, 'starts', 'ends', 'axes') };
    },
  },
  Pad: {
    before: 11,
    apply(node, _opset, constant) {
      const pads = ints(node, 'pads') ?? ints(node, 'paddings');
      if (!pads)
        throw new EdgelockError('E_ONNX_INVALID_NODE', 'Pad before opset 11 needs a pads attribute', where(node));
      const value = float(node, 'value') ?? 0;
      const inputs = [node.inputs[0], constant(`${node.name}_pads`, i64(pads))];
      if (value !== 0) inputs.push(constant(`${node.name}_value`, f32([value], [])));
      return { ...node, inputs, attrs: without(node.attrs, 'pads', 'paddings', 'value') };
    },
  },
  Clip: {
    before: 11,
    apply(node, _opset, constant) {
      const lo = float(node, 'min');
      const hi = float(node, 'max');
      const inputs = [
        node.inputs[0],
        lo === undefined ? '' : constant(`${node.name}_min`, f32([lo], [])),
        hi === undefined ? '' : constant(`${node.name}_max`, f32([hi], [])),
      ];
      while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
      return { ...node, inputs, attrs: without(node.attrs, 'min', 'max') };
    },
  },
  BatchNormalization: {
    before: 9,
    apply(node) {
      const spatial = node.attrs.spatial;
      if (spatial && (spatial.kind !== 'int' || spatial.value !== 1)) {
        throw new EdgelockError(
          'E_ONNX_UNSUPPORTED_OP',
          'BatchNormalization with spatial=0 (per-element statistics, opset 7-8) is not supported',
          where(node),
        );
      }
      return { ...node, attrs: without(node.attrs, 'spatial', 'is_test') };
    },
  },
  Dropout: {
    before: 10,
    apply(node) {
      // Dropout-7 returns a mask of the input's type, Dropout-10 a bool mask: only the data output may be used.
      if (node.outputs.length > 1 && node.outputs[1] !== '') {
        throw new EdgelockError(
          'E_ONNX_UNSUPPORTED_OP',
          'Dropout before opset 10 with its mask output used is not supported',
          where(node),
        );
      }
      return { ...node, attrs: without(node.attrs, 'is_test') };
    },
  },
};

/** The default-domain ops a rewrite exists for (for docs and tests). */
export const UPGRADED_OPS: readonly string[] = Object.keys(REWRITES).sort();

/**
 * The model at opset UPGRADE_TARGET when it imports an older default-domain opset
 * (MIN_UPGRADABLE_OPSET or newer); returned unchanged otherwise. The input is not modified.
 */
export function upgradeOpset(model: Model): Model {
  const index = model.opsetImports.findIndex((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = index >= 0 ? model.opsetImports[index].version : undefined;
  if (opset === undefined || opset >= UPGRADE_TARGET) return model;
  const g = model.graph;
  const initializers = new Map(g.initializers);
  const taken = new Set<string>([
    ...initializers.keys(),
    ...g.inputs.map((v) => v.name),
    ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
  ]);
  const constant = (base: string, t: Tensor): string => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    initializers.set(name, t);
    return name;
  };
  const nodes = g.nodes.map((n) => {
    const r = (n.domain === '' || n.domain === 'ai.onnx') && REWRITES[n.opType];
    return r && opset < r.before ? r.apply(n, opset, constant) : n;
  });
  const opsetImports = model.opsetImports.map((o, i) => (i === index ? { ...o, version: UPGRADE_TARGET } : o));
  return { ...model, opsetImports, upgradedFrom: opset, graph: { ...g, nodes, initializers } };
}
