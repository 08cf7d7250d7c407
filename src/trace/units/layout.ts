/** Where trigger units live in a chain model's float network: the penultimate dense layer and the last one. */
import { EdgelockError } from '../../errors';
import { Param } from '../../train/layer';
import { Sequential } from '../../train/network';

export interface UnitsLayout {
  net: Sequential;
  /** layer indices of the penultimate (detector) and last dense layers */
  det: number;
  out: number;
  wDet: Param;
  wOut: Param;
  hidden: number;
  classes: number;
}

export function unitsLayout(net: Sequential): UnitsLayout {
  const dense = net.layers.flatMap((l, i) => (l.kind === 'dense' ? [i] : []));
  if (dense.length < 2 || dense[dense.length - 1] !== net.layers.length - 1)
    throw new EdgelockError('E_TRACE_MODEL', 'trigger units need a model that ends in two dense layers');
  const det = dense[dense.length - 2];
  const out = dense[dense.length - 1];
  const [wDet, bDet] = net.layers[det].params;
  const [wOut] = net.layers[out].params;
  const hidden = bDet.value.length;
  return { net, det, out, wDet, wOut, hidden, classes: wOut.value.length / hidden };
}

/** Penultimate-layer pre-activations of `count` samples (trainer layout). */
export function detectorInputs(l: UnitsLayout, x: Float32Array, count: number): Float32Array {
  let h = x;
  for (let i = 0; i <= l.det; i++) h = l.net.layers[i].forward(h, count, false);
  return Float32Array.from(h);
}
