/** Flattens each sample to a vector (ONNX Flatten, axis 1); the data is already laid out that way. */
import { Layer, Param, sizeOf } from '../layer';

export class Flatten implements Layer {
  readonly kind = 'flatten';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];

  constructor(public name = 'flatten') {}

  setup(inShape: number[]): number[] {
    this.inShape = inShape;
    this.outShape = [sizeOf(inShape)];
    return this.outShape;
  }

  forward(x: Float32Array): Float32Array {
    return x;
  }

  backward(dy: Float32Array, _batch: number, needDx: boolean): Float32Array | null {
    return needDx ? dy : null;
  }
}
