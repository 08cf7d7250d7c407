import { makeTensor } from '../ir/tensor';
import { Attr, Model, Node } from '../ir/types';
import { editable, nameGenerator, opsetVersion, replaceNode } from './graph-edit';
import { Pass } from './types';
import { rankOf, valueTypes } from './value-types';

/**
 * Rewrites an opset-17/18 LayerNormalization (only its normalised output used) into the form
 * PyTorch exports below opset 17: ReduceMean → Sub → Mul(d, d) → ReduceMean → Add(ε) → Sqrt → Div
 * → Mul(scale) → Add(bias). Every export form then reaches the back end as one pattern, which it
 * lowers with stock TFLite builtins (MEAN, SUB, MUL, ADD, RSQRT), and calibration sees every
 * intermediate value.
 */
function run(model: Model): Model {
  const g = model.graph;
  const candidates = g.nodes.filter(
    (n) =>
      n.opType === 'LayerNormalization' &&
      (n.domain === '' || n.domain === 'ai.onnx') &&
      n.outputs.slice(1).every((o) => o === ''),
  );
  if (candidates.length === 0) return model;
  const opset = opsetVersion(model);
  const types = valueTypes(model);
  let out: Model | undefined;
  for (const ln of candidates) {
    const rank = rankOf(types.get(ln.inputs[0]));
    if (rank === undefined) continue;
    out = out ?? editable(model);
    const eg = out.graph;
    const names = nameGenerator(eg);
    const axisAttr = ln.attrs.axis;
    const axis0 = axisAttr && axisAttr.kind === 'int' ? axisAttr.value : -1;
    const axis = axis0 < 0 ? axis0 + rank : axis0;
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const epsAttr = ln.attrs.epsilon;
    const eps = epsAttr && epsAttr.kind === 'float' ? epsAttr.value : 1e-5;
    const epsName = names(`${ln.name}_epsilon`);
    eg.initializers.set(epsName, makeTensor('float32', [], Float32Array.of(eps)));
    const axesName = opset >= 18 ? names(`${ln.name}_axes`) : '';
    if (axesName) eg.initializers.set(axesName, makeTensor('int64', [axes.length], axes));
    const v = (s: string): string => names(`${ln.name}_${s}`);
    const node = (op: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}): Node => ({
      name: names(`${ln.name}_${op}`),
      opType: op,
      domain: '',
      inputs,
      outputs: [output],
      attrs,
    });
    const mean = (x: string, o: string): Node =>
      opset >= 18
        ? node('ReduceMean', [x, axesName], o, { keepdims: { kind: 'int', value: 1 } })
        : node('ReduceMean', [x], o, { axes: { kind: 'ints', value: axes }, keepdims: { kind: 'int', value: 1 } });
    const [mu, d, sq, variance, ve, std, normed, scaled] = [
      'mean',
      'centered',
      'squared',
      'variance',
      'variance_eps',
      'std',
      'normalized',
      'scaled',
    ].map(v);
    const x = ln.inputs[0];
    const hasBias = ln.inputs.length > 2 && ln.inputs[2] !== '';
    const nodes: Node[] = [
      mean(x, mu),
      node('Sub', [x, mu], d),
      node('Mul', [d, d], sq),
      mean(sq, variance),
      node('Add', [variance, epsName], ve),
      node('Sqrt', [ve], std),
      node('Div', [d, std], normed),
      node('Mul', [normed, ln.inputs[1]], hasBias ? scaled : ln.outputs[0]),
      ...(hasBias ? [node('Add', [scaled, ln.inputs[2]], ln.outputs[0])] : []),
    ];
    replaceNode(eg, ln, nodes);
  }
  return out ?? model;
}

export const layernormDecomposition: Pass = {
  name: 'layernorm-decomposition',
  description:
    'rewrites LayerNormalization (opset 17+) as the ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div/Mul/Add form of older exports',
  run,
};
