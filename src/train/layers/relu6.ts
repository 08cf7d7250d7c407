/** ReLU6, y = min(max(0, x), 6) (ONNX Clip(0, 6), TFLite RELU6; MobileNet's activation): the gradient passes where 0 < x < 6. */
import { Layer, Param, ensure, sizeOf } from '../layer';

export class Relu6 implements Layer {
  readonly kind = 'relu6';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];
  private size = 0;
  private y?: Float32Array;
  private dx?: Float32Array;

  constructor(public name = 'relu6') {}

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
      y[i] = v > 6 ? 6 : v > 0 ? v : 0;
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    if (!needDx) return null;
    const n = batch * this.size;
    const dx = (this.dx = ensure(this.dx, n));
    const y = this.y!;
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 && y[i] < 6 ? dy[i] : 0;
    return dx;
  }
}
