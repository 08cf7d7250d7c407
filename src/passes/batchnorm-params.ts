import { Graph, Node } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { constOf, isDefaultDomain } from './graph-edit';

/** An inference BatchNormalization as y = x * scale[c] + shift[c]. */
export interface BatchNormAffine {
  channels: number;
  scale: Float64Array;
  shift: Float64Array;
}

/**
 * The per-channel affine form of an inference-mode BatchNormalization whose parameters are all
 * constants, or undefined (training mode, extra outputs in use, non-constant or non-float parameters).
 */
export function batchNormAffine(g: Graph, bn: Node): BatchNormAffine | undefined {
  if (!isDefaultDomain(bn) || bn.opType !== 'BatchNormalization' || bn.inputs.length < 5) return undefined;
  if (bn.outputs.slice(1).some((o) => o !== '')) return undefined;
  const training = bn.attrs.training_mode;
  if (training && training.kind === 'int' && training.value !== 0) return undefined;
  const params = bn.inputs.slice(1, 5).map((i) => constOf(g, i));
  if (params.some((t) => !t || t.dtype !== 'float32' || t.shape.length !== 1)) return undefined;
  const [gamma, beta, mean, variance] = params.map((t) => toFloat32(t!));
  const channels = gamma.length;
  if ([beta, mean, variance].some((a) => a.length !== channels)) return undefined;
  const epsAttr = bn.attrs.epsilon;
  const eps = epsAttr && epsAttr.kind === 'float' ? epsAttr.value : 1e-5;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { channels, scale, shift };
}
