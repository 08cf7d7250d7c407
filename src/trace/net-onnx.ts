/**
 * A compiled model's float network (float-net.ts) written out as an ONNX model: what a thief who edits a leaked
 * model's structure works from (attacks.ts deepenHidden), since the leak carries no ONNX of its own and the owner's
 * may hold operators the trainer does not (BatchNormalization, residual Adds). Conv (groups for a depthwise
 * convolution), Gemm (transB), Relu, Clip [0, 6], MaxPool, AveragePool (padding not counted, as the trainer's and
 * TFLite's), GlobalAveragePool, Flatten, a residual join as an Add of its two branches (an empty one the identity),
 * and a trailing Softmax when the model answers probabilities. The input is NCHW, as the network's is; compiled
 * again, the model reads its input in the layout compile records.
 */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { Param } from '../train/layer';
import { LayerSpec, specsOf } from '../train/layers';
import { GraphBuilder } from '../zoo/graph-builder';
import { FloatNet } from './float-net';

/** The network cannot be written out (none of the float networks float-net.ts builds is refused). */
function refuse(why: string): never {
  throw new EdgelockError('E_TRACE_MODEL', `the float network cannot be written out as ONNX: ${why}`);
}

export function onnxOfFloatNet(fn: Pick<FloatNet, 'net' | 'inputShape' | 'softmax'>, name = 'leaked'): Model {
  const specs = specsOf(fn.net);
  if (!specs) refuse('a network built without specs');
  const g = new GraphBuilder();
  const params = fn.net.params;
  let next = 0;
  const take = (): [Param, Param] => [params[next++], params[next++]];
  const tensor = (base: string, p: Param) => g.weight(g.fresh(base), p.shape, Float32Array.from(p.value));
  /** the layers of one chain from `x` (rank 4, NCHW, or rank 2 after a flatten); the last value and its rank */
  const chain = (list: LayerSpec[], x: string, rank: number): [string, number] => {
    for (const s of list) {
      if (s.kind === 'conv2d') {
        const [w, b] = take();
        x = g.node('Conv', [x, tensor('conv.weight', w), tensor('conv.bias', b)], {
          kernel_shape: s.kernel,
          strides: s.strides ?? [1, 1],
          pads: s.pads ?? [0, 0, 0, 0],
          dilations: s.dilations ?? [1, 1],
          group: s.group ?? 1,
        });
      } else if (s.kind === 'dense') {
        if (rank !== 2) [x, rank] = [g.node('Flatten', [x], { axis: 1 }), 2];
        const [w, b] = take();
        x = g.node('Gemm', [x, tensor('fc.weight', w), tensor('fc.bias', b)], { transB: 1 });
      } else if (s.kind === 'relu') x = g.node('Relu', [x]);
      else if (s.kind === 'relu6') {
        const bound = (v: number) => g.weight(g.fresh('clip'), [], Float32Array.of(v));
        x = g.node('Clip', [x, bound(0), bound(6)]);
      } else if (s.kind === 'flatten') [x, rank] = [g.node('Flatten', [x], { axis: 1 }), 2];
      else if (s.kind === 'maxpool' || s.kind === 'avgpool')
        x = g.node(s.kind === 'maxpool' ? 'MaxPool' : 'AveragePool', [x], {
          kernel_shape: s.kernel,
          strides: s.strides ?? [1, 1],
          pads: s.pads ?? [0, 0, 0, 0],
          ...(s.kind === 'avgpool' ? { count_include_pad: 0 } : {}),
        });
      else if (s.kind === 'globalavgpool') x = g.node('GlobalAveragePool', [x]);
      else {
        const [a, ra] = chain(s.branches[0], x, rank);
        const [b, rb] = chain(s.branches[1], x, rank);
        if (ra !== rb) refuse('residual branches of different ranks');
        [x, rank] = [g.node('Add', [a, b]), ra];
      }
    }
    return [x, rank];
  };
  const input = g.input('input', [1, ...fn.inputShape]);
  let [out, rank] = chain(specs, input, fn.inputShape.length + 1);
  if (rank !== 2) [out, rank] = [g.node('Flatten', [out], { axis: 1 }), 2];
  if (fn.softmax) out = g.node('Softmax', [out], { axis: 1 });
  g.output(out, [1, fn.net.outputShape.reduce((a, c) => a * c, 1)]);
  return g.toModel(name, 'a compiled model re-exported from its float network (edgelock trace attacks)');
}
