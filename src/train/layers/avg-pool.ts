/**
 * 2-D average pooling (ONNX AveragePool; padded cells excluded from the count, as with the
 * default count_include_pad = 0). A kernel covering the whole input is GlobalAveragePool.
 */
import { ConvGeometry, WindowSpec, convGeometry, validRange } from '../conv-geometry';
import { Layer, Param, ensure } from '../layer';

export class AvgPool implements Layer {
  readonly kind = 'avgpool';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];
  geometry!: ConvGeometry;
  private inSize = 0;
  private outSize = 0;
  private y?: Float32Array;
  private dx?: Float32Array;

  /** `spec` null means global pooling over the whole plane. */
  constructor(
    readonly spec: WindowSpec | null,
    public name = 'avgpool',
  ) {}

  get global(): boolean {
    return this.spec === null;
  }

  setup(inShape: number[]): number[] {
    const spec: WindowSpec = this.spec ?? { kernel: [inShape[1], inShape[2]] };
    const g = (this.geometry = convGeometry(inShape, { ...spec, strides: spec.strides ?? spec.kernel }));
    this.inShape = inShape;
    this.inSize = g.channels * g.height * g.width;
    this.outSize = g.channels * g.outH * g.outW;
    this.outShape = [g.channels, g.outH, g.outW];
    return this.outShape;
  }

  /** Calls visit(outIndex, inputIndex, 1/count) for every input cell of every window. */
  private each(batch: number, visit: (o: number, i: number, w: number) => void): void {
    const g = this.geometry;
    const planes = batch * g.channels;
    const hw = g.height * g.width;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * hw;
      for (let oy = 0; oy < g.outH; oy++) {
        const y0 = oy * g.strideH - g.padTop;
        const [kiLo, kiHi] = validRange(g.kernelH, g.height, 1, -y0, 0);
        for (let ox = 0; ox < g.outW; ox++) {
          const x0 = ox * g.strideW - g.padLeft;
          const [kjLo, kjHi] = validRange(g.kernelW, g.width, 1, -x0, 0);
          const w = 1 / ((kiHi - kiLo) * (kjHi - kjLo));
          for (let ki = kiLo; ki < kiHi; ki++) {
            const row = base + (y0 + ki) * g.width + x0;
            for (let kj = kjLo; kj < kjHi; kj++) visit(o, row + kj, w);
          }
          o++;
        }
      }
    }
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const y = (this.y = ensure(this.y, batch * this.outSize));
    y.fill(0, 0, batch * this.outSize);
    this.each(batch, (o, i, w) => {
      y[o] += x[i] * w;
    });
    return y;
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    if (!needDx) return null;
    const dx = (this.dx = ensure(this.dx, batch * this.inSize));
    dx.fill(0, 0, batch * this.inSize);
    this.each(batch, (o, i, w) => {
      dx[i] += dy[o] * w;
    });
    return dx;
  }
}
