/** Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay. */
import { Param } from '../layer';
import { Optimizer } from './optimizer';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  lr: number;
  private readonly velocity = new Map<Param, Float32Array>();

  constructor(private readonly opts: SgdOptions) {
    this.lr = opts.lr;
  }

  step(params: Param[]): void {
    const mu = this.opts.momentum ?? 0;
    const wd = this.opts.weightDecay ?? 0;
    const lr = this.lr;
    for (const p of params) {
      const w = p.value;
      const g = p.grad;
      if (mu === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + wd * w[i]);
        continue;
      }
      let v = this.velocity.get(p);
      if (!v) this.velocity.set(p, (v = new Float32Array(w.length)));
      const nesterov = this.opts.nesterov ?? false;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + wd * w[i];
        const vi = mu * v[i] + gi;
        v[i] = vi;
        w[i] -= lr * (nesterov ? gi + mu * vi : vi);
      }
    }
  }
}
