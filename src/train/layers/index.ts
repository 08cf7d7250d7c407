/**
 * Layer specifications (plain JSON, so a network can be described, stored or sent to a worker)
 * and the table that turns each kind into a layer.
 */
import { WindowSpec } from '../conv-geometry';
import { Layer } from '../layer';
import { Sequential } from '../network';
import { AvgPool } from './avg-pool';
import { Conv2d, Conv2dSpec } from './conv2d';
import { Dense } from './dense';
import { Flatten } from './flatten';
import { MaxPool } from './max-pool';
import { Relu } from './relu';
import { Relu6 } from './relu6';
import { Residual } from './residual';

export type LayerSpec =
  | ({ kind: 'conv2d'; name?: string } & Conv2dSpec)
  | { kind: 'dense'; units: number; name?: string }
  | { kind: 'relu'; name?: string }
  | { kind: 'relu6'; name?: string }
  | { kind: 'flatten'; name?: string }
  | ({ kind: 'maxpool'; name?: string } & WindowSpec)
  | ({ kind: 'avgpool'; name?: string } & WindowSpec)
  | { kind: 'globalavgpool'; name?: string }
  /** two branches from one input, added; an empty branch is the identity */
  | { kind: 'residual'; branches: [LayerSpec[], LayerSpec[]]; name?: string };

type Factory<K extends LayerSpec['kind']> = (spec: Extract<LayerSpec, { kind: K }>) => Layer;

export const LAYER_FACTORIES: { [K in LayerSpec['kind']]: Factory<K> } = {
  conv2d: (s) => new Conv2d(s, s.name ?? 'conv'),
  dense: (s) => new Dense(s.units, s.name ?? 'dense'),
  relu: (s) => new Relu(s.name ?? 'relu'),
  relu6: (s) => new Relu6(s.name ?? 'relu6'),
  flatten: (s) => new Flatten(s.name ?? 'flatten'),
  maxpool: (s) => new MaxPool(s, s.name ?? 'maxpool'),
  avgpool: (s) => new AvgPool(s, s.name ?? 'avgpool'),
  globalavgpool: (s) => new AvgPool(null, s.name ?? 'gap'),
  residual: (s) => new Residual([s.branches[0].map(makeLayer), s.branches[1].map(makeLayer)], s.name ?? 'residual'),
};

export function makeLayer(spec: LayerSpec): Layer {
  return (LAYER_FACTORIES[spec.kind] as (s: LayerSpec) => Layer)(spec);
}

const SPECS = new WeakMap<Sequential, LayerSpec[]>();

/** Builds and initialises a network from specs; the seed fixes the initial weights. */
export function buildNetwork(inputShape: number[], specs: LayerSpec[], seed: number): Sequential {
  const net = new Sequential(inputShape, specs.map(makeLayer), seed);
  SPECS.set(net, specs);
  return net;
}

/** The specs a network was built from (undefined for networks assembled from layer objects). */
export function specsOf(net: Sequential): LayerSpec[] | undefined {
  return SPECS.get(net);
}
