/** Rectified linear unit y = max(0, x). */
import { Layer, Param, ensure, sizeOf } from '../layer';

export class Relu implements Layer {
  readonly kind = 'relu';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];
  private size = 0;
  private y?: Float32Array;
  private dx?: Float32Array;

  constructor(public name = 'relu') {}

  setup(inShape: number[]): number[] {
    this.inShape = this.outShape = inShape;
    this.size = sizeOf(inShape);
    return inShape;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const n = batch * this.size;
    const y = (this.y = ensure(this.y, n));
    for (let i = 0; i < n; i++) {
      const v = x[i];
      y[i] = v > 0 ? v : 0;
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    if (!needDx) return null;
    const n = batch * this.size;
    const y = this.y!;
    const dx = (this.dx = ensure(this.dx, n));
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
    return dx;
  }
}
