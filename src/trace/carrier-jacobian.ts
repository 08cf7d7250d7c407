/**
 * The Jacobian J of a model's output scores on a set of probes with respect to its carrier weights, in units of one
 * quantisation step per carrier, as two products on the base model's float network (never stored: probes × classes
 * × carriers would be hundreds of MB):
 *
 *   vjp(u) = Jᵀ u  one backward pass of u through the network (the carriers' gradients, times their steps);
 *   jvp(v) = J v   a central difference of the outputs with the carriers moved by ±ε v steps (ε: half a step at
 *                  the largest |v|, the size of a code itself), exact for the linear part and free of the
 *                  second-order term.
 */
import { CarrierSet, scaleOf } from './weight-tensors';
import { FloatNet, toNetLayout } from './float-net';

export interface CarrierJacobian {
  rows: number;
  cols: number;
  vjp(u: Float64Array): Float64Array;
  jvp(v: Float64Array): Float64Array;
}

const CHUNK = 256;

export function carrierJacobian(set: CarrierSet, fn: FloatNet, probes: Float32Array, count: number): CarrierJacobian {
  const { net, modelInputShape, bindings } = fn;
  const byW = new Map(bindings.map((x) => [x.w, x]));
  const K = set.carriers.length;
  const value: Float32Array[] = new Array(K);
  const grad: Float32Array[] = new Array(K);
  const at = new Int32Array(K);
  const step = new Float64Array(K);
  set.carriers.forEach((c, j) => {
    const t = set.tensors[c.w];
    const bind = byW.get(c.w)!;
    value[j] = bind.weight.value;
    grad[j] = bind.weight.grad;
    at[j] = bind.toParam(c.i);
    step[j] = scaleOf(t, c.i) * (set.amplitude ? set.amplitude[j] : 1);
  });
  const size = probes.length / count;
  const x = toNetLayout(probes, count, modelInputShape);
  const classes = net.outputSize;
  const rows = count * classes;
  const forward = (out: Float64Array, sign: number) => {
    for (let s = 0; s < count; s += CHUNK) {
      const n = Math.min(CHUNK, count - s);
      const y = net.forward(x.subarray(s * size, (s + n) * size), n, false);
      for (let i = 0; i < n * classes; i++) out[s * classes + i] += sign * y[i];
    }
  };
  return {
    rows,
    cols: K,
    vjp(u) {
      net.zeroGrad();
      for (let s = 0; s < count; s += CHUNK) {
        const n = Math.min(CHUNK, count - s);
        net.forward(x.subarray(s * size, (s + n) * size), n, true);
        net.backward(Float32Array.from(u.subarray(s * classes, (s + n) * classes)), n);
      }
      const e = new Float64Array(K);
      for (let j = 0; j < K; j++) e[j] = grad[j][at[j]] * step[j];
      net.zeroGrad();
      return e;
    },
    jvp(v) {
      let m = 0;
      for (let j = 0; j < K; j++) m = Math.max(m, Math.abs(v[j]));
      const out = new Float64Array(rows);
      if (m === 0) return out;
      const eps = 0.5 / m;
      const saved = new Float32Array(K);
      for (let j = 0; j < K; j++) saved[j] = value[j][at[j]];
      const move = (sign: number) => {
        for (let j = 0; j < K; j++) value[j][at[j]] = saved[j] + sign * eps * v[j] * step[j];
      };
      try {
        move(1);
        forward(out, 1);
        move(-1);
        forward(out, -1);
      } finally {
        for (let j = 0; j < K; j++) value[j][at[j]] = saved[j];
      }
      for (let i = 0; i < rows; i++) out[i] /= 2 * eps;
      return out;
    },
  };
}
