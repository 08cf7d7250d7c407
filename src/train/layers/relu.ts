/**
 * Rectified linear unit y = max(0, x). Both passes work on the floats' bit patterns as int32
 * (a float is > 0 exactly when its int32 pattern is > 0), which avoids a data-dependent branch per
 * element: a random half of the activations are negative, so a branch would mispredict half the time.
 */
import { Layer, Param, sizeOf } from '../layer';

export class Relu implements Layer {
  readonly kind = 'relu';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];
  private size = 0;
  private y?: Float32Array;
  private dx?: Float32Array;
  private yBits: Int32Array = new Int32Array(0);
  private dxBits: Int32Array = new Int32Array(0);

  constructor(public name = 'relu') {}

  setup(inShape: number[]): number[] {
    this.inShape = this.outShape = inShape;
    this.size = sizeOf(inShape);
    return inShape;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const n = batch * this.size;
    const y = this.y;
    if (!y || y.length < n) {
      this.y = new Float32Array(n);
      this.yBits = new Int32Array(this.y.buffer);
    }
    const xb = new Int32Array(x.buffer, x.byteOffset, n);
    const yb = this.yBits;
    for (let i = 0; i < n; i++) {
      const v = xb[i];
      yb[i] = v & ~(v >> 31); // sign bit set (negative, -0, or a negative NaN) → +0
    }
    return this.y!;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    if (!needDx) return null;
    const n = batch * this.size;
    const dx = this.dx;
    if (!dx || dx.length < n) {
      this.dx = new Float32Array(n);
      this.dxBits = new Int32Array(this.dx.buffer);
    }
    const yb = this.yBits;
    const db = new Int32Array(dy.buffer, dy.byteOffset, n);
    const out = this.dxBits;
    for (let i = 0; i < n; i++) out[i] = db[i] & (-yb[i] >> 31); // y > 0 (pattern > 0) keeps dy, y = +0 gives +0
    return this.dx!;
  }
}
