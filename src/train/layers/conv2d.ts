/**
 * 2-D convolution over NCHW samples (ONNX Conv semantics: weights [out, in/group, kH, kW],
 * strides, explicit pads, dilations, groups) as im2col + one matrix product per sample and group.
 */
import { ConvGeometry, WindowSpec, convGeometry } from '../conv-geometry';
import { gemmNN, gemmNT, gemmTN } from '../gemm';
import { col2im, im2col } from '../im2col';
import { Layer, Param, ensure, makeParam } from '../layer';
import { Rng } from '../rng';

export interface Conv2dSpec extends WindowSpec {
  filters: number;
  group?: number;
  bias?: boolean;
}

export class Conv2d implements Layer {
  readonly kind = 'conv2d';
  inShape: number[] = [];
  outShape: number[] = [];
  params: Param[] = [];
  geometry!: ConvGeometry;
  readonly group: number;
  private weight!: Param;
  private bias: Param | null = null;
  /** True when the columns are the input itself (1×1 kernel, stride 1, no padding). */
  private direct = false;
  private colRows = 0;
  private plane = 0;
  private inSize = 0;
  private x: Float32Array = new Float32Array(0);
  private cols?: Float32Array;
  private dcols?: Float32Array;
  private y?: Float32Array;
  private dx?: Float32Array;

  constructor(
    readonly spec: Conv2dSpec,
    public name = 'conv',
  ) {
    this.group = spec.group ?? 1;
  }

  setup(inShape: number[], rng: Rng): number[] {
    if (inShape.length !== 3) throw new RangeError(`conv2d needs a [C, H, W] input, got [${inShape}]`);
    const { filters } = this.spec;
    const g = (this.geometry = convGeometry(inShape, this.spec));
    if (g.channels % this.group !== 0 || filters % this.group !== 0)
      throw new RangeError(`group ${this.group} does not divide channels ${g.channels} → ${filters}`);
    this.inShape = inShape;
    this.inSize = g.channels * g.height * g.width;
    this.plane = g.outH * g.outW;
    this.colRows = g.channels * g.kernelH * g.kernelW;
    const fanIn = (g.channels / this.group) * g.kernelH * g.kernelW;
    this.weight = makeParam(
      'weight',
      [filters, g.channels / this.group, g.kernelH, g.kernelW],
      rng.normalArray(filters * fanIn, Math.sqrt(2 / fanIn)),
    );
    this.params = [this.weight];
    if (this.spec.bias !== false) {
      this.bias = makeParam('bias', [filters], new Float32Array(filters));
      this.params.push(this.bias);
    }
    this.direct =
      g.kernelH === 1 &&
      g.kernelW === 1 &&
      g.strideH === 1 &&
      g.strideW === 1 &&
      g.padTop === 0 &&
      g.padLeft === 0 &&
      g.outH === g.height &&
      g.outW === g.width;
    this.outShape = [filters, g.outH, g.outW];
    return this.outShape;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const { filters } = this.spec;
    const { plane, colRows, group } = this;
    const outSize = filters * plane;
    const y = (this.y = ensure(this.y, batch * outSize));
    let cols = x;
    if (!this.direct) cols = this.cols = ensure(this.cols, batch * colRows * plane);
    const fPerG = filters / group;
    const kPerG = colRows / group;
    const w = this.weight.value;
    for (let s = 0; s < batch; s++) {
      const colOff = this.direct ? s * this.inSize : s * colRows * plane;
      if (!this.direct) im2col(x, s * this.inSize, this.geometry, cols, colOff);
      for (let gi = 0; gi < group; gi++) {
        gemmNN(
          fPerG,
          plane,
          kPerG,
          w,
          gi * fPerG * kPerG,
          cols,
          colOff + gi * kPerG * plane,
          y,
          s * outSize + gi * fPerG * plane,
          false,
        );
      }
      if (this.bias) {
        const b = this.bias.value;
        for (let f = 0; f < filters; f++) {
          const o = s * outSize + f * plane;
          const bf = b[f];
          for (let j = 0; j < plane; j++) y[o + j] += bf;
        }
      }
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    const { filters } = this.spec;
    const { plane, colRows, group } = this;
    const outSize = filters * plane;
    const fPerG = filters / group;
    const kPerG = colRows / group;
    const w = this.weight.value;
    const dw = this.weight.grad;
    const cols = this.direct ? this.x : this.cols!;
    let dx: Float32Array | null = null;
    let dcols: Float32Array | null = null;
    if (needDx) {
      dx = this.dx = ensure(this.dx, batch * this.inSize);
      if (this.direct) dcols = dx;
      else {
        dcols = this.dcols = ensure(this.dcols, colRows * plane);
        dx.fill(0, 0, batch * this.inSize);
      }
    }
    for (let s = 0; s < batch; s++) {
      const dyOff = s * outSize;
      const colOff = this.direct ? s * this.inSize : s * colRows * plane;
      for (let gi = 0; gi < group; gi++) {
        gemmNT(
          fPerG,
          kPerG,
          plane,
          dy,
          dyOff + gi * fPerG * plane,
          cols,
          colOff + gi * kPerG * plane,
          dw,
          gi * fPerG * kPerG,
          true,
        );
      }
      if (this.bias) {
        const db = this.bias.grad;
        for (let f = 0; f < filters; f++) {
          const o = dyOff + f * plane;
          let acc = 0;
          for (let j = 0; j < plane; j++) acc += dy[o + j];
          db[f] += acc;
        }
      }
      if (dcols) {
        const dOff = this.direct ? s * this.inSize : 0;
        for (let gi = 0; gi < group; gi++) {
          gemmTN(
            kPerG,
            plane,
            fPerG,
            w,
            gi * fPerG * kPerG,
            dy,
            dyOff + gi * fPerG * plane,
            dcols,
            dOff + gi * kPerG * plane,
            false,
          );
        }
        if (!this.direct) col2im(dcols, 0, this.geometry, dx!, s * this.inSize);
      }
    }
    return dx;
  }
}
