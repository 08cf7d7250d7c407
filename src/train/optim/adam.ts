/** Adam (Kingma & Ba) with bias correction; weightDecay is decoupled (AdamW) when > 0. */
import { Param } from '../layer';
import { Optimizer } from './optimizer';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam implements Optimizer {
  readonly kind = 'adam';
  lr: number;
  private t = 0;
  private readonly moments = new Map<Param, { m: Float32Array; v: Float32Array }>();

  constructor(private readonly opts: AdamOptions) {
    this.lr = opts.lr;
  }

  step(params: Param[]): void {
    const b1 = this.opts.beta1 ?? 0.9;
    const b2 = this.opts.beta2 ?? 0.999;
    const eps = this.opts.eps ?? 1e-8;
    const wd = this.opts.weightDecay ?? 0;
    this.t++;
    const c1 = 1 / (1 - Math.pow(b1, this.t));
    const c2 = 1 / (1 - Math.pow(b2, this.t));
    const lr = this.lr;
    for (const p of params) {
      let st = this.moments.get(p);
      if (!st) this.moments.set(p, (st = { m: new Float32Array(p.value.length), v: new Float32Array(p.value.length) }));
      const { m, v } = st;
      const w = p.value;
      const g = p.grad;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        w[i] -= lr * ((mi * c1) / (Math.sqrt(vi * c2) + eps) + wd * w[i]);
      }
    }
  }
}
