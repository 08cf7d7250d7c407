/**
 * Writes a trained Sequential network into an IR graph: one emitter per layer kind (a table),
 * each adding the ONNX nodes and initializers for that layer with the trained values.
 */
import { Conv2d } from '../train/layers/conv2d';
import { Layer } from '../train/layer';
import { Sequential } from '../train/network';
import { GraphBuilder } from './graph-builder';

type Emitter = (b: GraphBuilder, layer: Layer, x: string) => string;

function paramOf(layer: Layer, role: string): Float32Array {
  const p = layer.params.find((q) => q.role === role);
  if (!p) throw new Error(`layer ${layer.name} has no ${role}`);
  return p.value;
}

function shapeOf(layer: Layer, role: string): number[] {
  return layer.params.find((q) => q.role === role)!.shape;
}

function windowAttrs(g: Conv2d['geometry'], padBottom: number, padRight: number) {
  return {
    kernel_shape: [g.kernelH, g.kernelW],
    strides: [g.strideH, g.strideW],
    pads: [g.padTop, g.padLeft, padBottom, padRight],
  };
}

/** Bottom/right padding implied by the geometry (the layer stores only top/left). */
function trailingPads(g: Conv2d['geometry']): [number, number] {
  const bottom = (g.outH - 1) * g.strideH + g.dilationH * (g.kernelH - 1) + 1 - g.height - g.padTop;
  const right = (g.outW - 1) * g.strideW + g.dilationW * (g.kernelW - 1) + 1 - g.width - g.padLeft;
  return [Math.max(0, bottom), Math.max(0, right)];
}

export const LAYER_EMITTERS: Record<string, Emitter> = {
  conv2d: (b, layer, x) => {
    const conv = layer as Conv2d;
    const g = conv.geometry;
    const inputs = [x, b.weight(`${layer.name}.weight`, shapeOf(layer, 'weight'), paramOf(layer, 'weight'))];
    if (layer.params.some((p) => p.role === 'bias'))
      inputs.push(b.weight(`${layer.name}.bias`, shapeOf(layer, 'bias'), paramOf(layer, 'bias')));
    const [pb, pr] = trailingPads(g);
    return b.node(
      'Conv',
      inputs,
      { ...windowAttrs(g, pb, pr), dilations: [g.dilationH, g.dilationW], group: conv.group },
      undefined,
      layer.name,
    );
  },
  dense: (b, layer, x) => {
    const flat = layer.inShape.length > 1 ? b.node('Flatten', [x], { axis: 1 }) : x;
    const w = b.weight(`${layer.name}.weight`, shapeOf(layer, 'weight'), paramOf(layer, 'weight'));
    const bias = b.weight(`${layer.name}.bias`, shapeOf(layer, 'bias'), paramOf(layer, 'bias'));
    return b.node('Gemm', [flat, w, bias], { transB: 1 }, undefined, layer.name);
  },
  relu: (b, layer, x) => b.node('Relu', [x], {}, undefined, layer.name),
  flatten: (b, layer, x) => b.node('Flatten', [x], { axis: 1 }, undefined, layer.name),
  maxpool: (b, layer, x) => {
    const g = (layer as unknown as { geometry: Conv2d['geometry'] }).geometry;
    const [pb, pr] = trailingPads(g);
    return b.node('MaxPool', [x], windowAttrs(g, pb, pr), undefined, layer.name);
  },
  avgpool: (b, layer, x) => {
    const pool = layer as unknown as { geometry: Conv2d['geometry']; global: boolean };
    if (pool.global) return b.node('GlobalAveragePool', [x], {}, undefined, layer.name);
    const [pb, pr] = trailingPads(pool.geometry);
    return b.node('AveragePool', [x], windowAttrs(pool.geometry, pb, pr), undefined, layer.name);
  },
};

/**
 * Emits the whole network for a batch-1 input named `inputName`; the last layer's output is
 * renamed `outputName`.
 */
export function emitNetwork(b: GraphBuilder, net: Sequential, inputName: string, outputName: string): void {
  b.input(inputName, [1, ...net.inputShape]);
  let x = inputName;
  for (const layer of net.layers) {
    const emit = LAYER_EMITTERS[layer.kind];
    if (!emit) throw new Error(`no ONNX emitter for layer kind ${layer.kind}`);
    x = emit(b, layer, x);
  }
  const last = b.nodes[b.nodes.length - 1];
  last.outputs[0] = outputName;
  b.output(outputName, [1, ...net.outputShape]);
}
