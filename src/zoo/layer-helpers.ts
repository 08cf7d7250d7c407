/** Seeded conv / batch-norm / dense building blocks (initial weights) for the zoo models trained with PyTorch. */
import { Rng } from '../train/rng';
import { GraphBuilder } from './graph-builder';

export interface ConvOpts {
  cin: number;
  cout: number;
  kernel: [number, number];
  strides?: [number, number];
  /** ONNX order [top, left, bottom, right]. */
  pads?: [number, number, number, number];
  group?: number;
  bias?: boolean;
}

/** Conv with He-normal weights (bias zero-mean small when present). */
export function conv(b: GraphBuilder, rng: Rng, name: string, x: string, o: ConvOpts): string {
  const group = o.group ?? 1;
  const fanIn = (o.cin / group) * o.kernel[0] * o.kernel[1];
  const wShape = [o.cout, o.cin / group, o.kernel[0], o.kernel[1]];
  const inputs = [x, b.weight(`${name}.weight`, wShape, rng.normalArray(o.cout * fanIn, Math.sqrt(2 / fanIn)))];
  if (o.bias) inputs.push(b.weight(`${name}.bias`, [o.cout], rng.normalArray(o.cout, 0.05)));
  return b.node(
    'Conv',
    inputs,
    { kernel_shape: o.kernel, strides: o.strides ?? [1, 1], pads: o.pads ?? [0, 0, 0, 0], dilations: [1, 1], group },
    undefined,
    name,
  );
}

/**
 * BatchNormalization with seeded scale/shift; mean and variance start at 0/1 and become the
 * training set's statistics when the model is trained (src/zoo/train-torch.ts).
 */
export function batchNorm(b: GraphBuilder, rng: Rng, name: string, x: string, channels: number): string {
  const scale = b.weight(`${name}.scale`, [channels], rng.uniformArray(channels, 0.7, 1.3));
  const shift = b.weight(`${name}.shift`, [channels], rng.uniformArray(channels, -0.2, 0.3));
  const mean = b.weight(`${name}.mean`, [channels], new Float32Array(channels));
  const variance = b.weight(`${name}.var`, [channels], new Float32Array(channels).fill(1));
  return b.node(
    'BatchNormalization',
    [x, scale, shift, mean, variance],
    { epsilon: { float: 1e-3 }, momentum: { float: 0.99 } },
    undefined,
    name,
  );
}

/** Gemm (transB = 1) with weights N(0, 1/in) and zero bias. */
export function dense(b: GraphBuilder, rng: Rng, name: string, x: string, inF: number, outF: number): string {
  const w = b.weight(`${name}.weight`, [outF, inF], rng.normalArray(outF * inF, Math.sqrt(1 / inF)));
  const bias = b.weight(`${name}.bias`, [outF], new Float32Array(outF));
  return b.node('Gemm', [x, w, bias], { transB: 1 }, undefined, name);
}
