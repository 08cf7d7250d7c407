/**
 * A residual join: two branches read the same input and their outputs are added (ONNX Add of two paths from one
 * tensor; a ResNet block, its shortcut an empty branch — the identity — or a 1×1 convolution). Each branch is a chain
 * of layers; both must end in the same shape. The parameters are the first branch's, then the second's.
 */
import { Layer, Param, ensure, sizeOf } from '../layer';
import { Rng } from '../rng';

export class Residual implements Layer {
  readonly kind = 'residual';
  inShape: number[] = [];
  outShape: number[] = [];
  private size = 0;
  private inSize = 0;
  private y?: Float32Array;
  private dx?: Float32Array;

  constructor(
    readonly branches: [Layer[], Layer[]],
    public name = 'residual',
  ) {}

  get params(): Param[] {
    return this.branches.flatMap((b) => b.flatMap((l) => l.params));
  }

  setup(inShape: number[], rng: Rng): number[] {
    const [a, b] = this.branches.map((layers) => layers.reduce((shape, l) => l.setup(shape, rng), inShape));
    if (a.join(',') !== b.join(','))
      throw new Error(`residual branches end in different shapes: [${a.join(',')}] and [${b.join(',')}]`);
    this.inShape = inShape;
    this.outShape = a;
    this.inSize = sizeOf(inShape);
    this.size = sizeOf(a);
    return a;
  }

  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    const n = batch * this.size;
    const y = (this.y = ensure(this.y, n));
    const [a, b] = this.branches.map((layers) => layers.reduce((h, l) => l.forward(h, batch, training), x));
    for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    // every branch is walked back for its parameters' gradients; the input gradient of an empty branch is dy itself
    const grads = this.branches.map((layers) => {
      let g: Float32Array | null = dy;
      for (let i = layers.length - 1; i >= 0 && g; i--) g = layers[i].backward(g, batch, needDx || i > 0);
      return g;
    });
    if (!needDx) return null;
    const n = batch * this.inSize;
    const dx = (this.dx = ensure(this.dx, n));
    const [ga, gb] = grads as [Float32Array, Float32Array];
    for (let i = 0; i < n; i++) dx[i] = ga[i] + gb[i];
    return dx;
  }
}
