/** Fully connected layer y = x·Wᵀ + b with W stored [out, in] (ONNX Gemm with transB = 1). */
import { gemmNN, gemmNT, gemmTN } from '../gemm';
import { Layer, Param, ensure, makeParam, sizeOf } from '../layer';
import { Rng } from '../rng';

export class Dense implements Layer {
  readonly kind = 'dense';
  inShape: number[] = [];
  outShape: number[] = [];
  params: Param[] = [];
  private weight!: Param;
  private bias!: Param;
  private inFeatures = 0;
  private x: Float32Array = new Float32Array(0);
  private y?: Float32Array;
  private dx?: Float32Array;

  constructor(
    readonly units: number,
    public name = 'dense',
  ) {}

  setup(inShape: number[], rng: Rng): number[] {
    this.inShape = inShape;
    this.inFeatures = sizeOf(inShape);
    const std = Math.sqrt(2 / this.inFeatures);
    this.weight = makeParam(
      'weight',
      [this.units, this.inFeatures],
      rng.normalArray(this.units * this.inFeatures, std),
    );
    this.bias = makeParam('bias', [this.units], new Float32Array(this.units));
    this.params = [this.weight, this.bias];
    this.outShape = [this.units];
    return this.outShape;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const y = (this.y = ensure(this.y, batch * this.units));
    gemmNT(batch, this.units, this.inFeatures, x, 0, this.weight.value, 0, y, 0, false);
    const b = this.bias.value;
    for (let s = 0; s < batch; s++) {
      const o = s * this.units;
      for (let j = 0; j < this.units; j++) y[o + j] += b[j];
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    const n = this.units;
    gemmTN(n, this.inFeatures, batch, dy, 0, this.x, 0, this.weight.grad, 0, true);
    const db = this.bias.grad;
    for (let s = 0; s < batch; s++) for (let j = 0; j < n; j++) db[j] += dy[s * n + j];
    if (!needDx) return null;
    const dx = (this.dx = ensure(this.dx, batch * this.inFeatures));
    gemmNN(batch, this.inFeatures, n, dy, 0, this.weight.value, 0, dx, 0, false);
    return dx;
  }
}
