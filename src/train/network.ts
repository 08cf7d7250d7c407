/** A chain of layers trained end to end (the zoo's MNIST models are chains). */
import { Layer, Param, sizeOf } from './layer';
import { Rng } from './rng';

export class Sequential {
  readonly inputShape: number[];
  readonly outputShape: number[];
  readonly inputSize: number;
  readonly outputSize: number;

  /** Sets every layer up in order; `seed` makes the initial weights reproducible. */
  constructor(
    inputShape: number[],
    readonly layers: Layer[],
    seed: number,
  ) {
    const rng = new Rng(seed);
    const names = new Set<string>();
    let shape = inputShape;
    for (const [i, l] of layers.entries()) {
      if (names.has(l.name)) l.name = `${l.name}_${i}`;
      names.add(l.name);
      shape = l.setup(shape, rng);
    }
    this.inputShape = inputShape;
    this.outputShape = shape;
    this.inputSize = sizeOf(inputShape);
    this.outputSize = sizeOf(shape);
  }

  get params(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }

  paramCount(): number {
    return this.params.reduce((n, p) => n + p.value.length, 0);
  }

  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    let h = x;
    for (const l of this.layers) h = l.forward(h, batch, training);
    return h;
  }

  /** Back-propagates dL/doutput; parameter gradients accumulate. The input gradient is not computed. */
  backward(dOut: Float32Array, batch: number): void {
    let g: Float32Array | null = dOut;
    for (let i = this.layers.length - 1; i >= 0 && g; i--) g = this.layers[i].backward(g, batch, i > 0);
  }

  /**
   * Back-propagates dL/doutput through every layer down to the input and returns dL/dinput
   * (batch × inputSize, valid until the next forward/backward). Parameter gradients accumulate too;
   * call zeroGrad() before training again. Used to craft inputs (src/fingerprint/).
   */
  inputGradient(dOut: Float32Array, batch: number): Float32Array {
    let g: Float32Array = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g, batch, true)!;
    return g;
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }
}
