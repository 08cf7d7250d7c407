/** 2-D max pooling (ONNX MaxPool; padded cells never win). Backward routes each gradient to its argmax. */
import { ConvGeometry, WindowSpec, convGeometry, validRange } from '../conv-geometry';
import { Layer, Param, ensure } from '../layer';

export class MaxPool implements Layer {
  readonly kind = 'maxpool';
  inShape: number[] = [];
  outShape: number[] = [];
  readonly params: Param[] = [];
  geometry!: ConvGeometry;
  private inSize = 0;
  private outSize = 0;
  private y?: Float32Array;
  private argmax = new Int32Array(0);
  private dx?: Float32Array;
  /** 2×2 windows at stride 2 without padding or dilation (LeNet's pools): a loop without window bounds. */
  private pair = false;

  constructor(
    readonly spec: WindowSpec,
    public name = 'maxpool',
  ) {}

  setup(inShape: number[]): number[] {
    const g = (this.geometry = convGeometry(inShape, { ...this.spec, strides: this.spec.strides ?? this.spec.kernel }));
    this.inShape = inShape;
    this.inSize = g.channels * g.height * g.width;
    this.outSize = g.channels * g.outH * g.outW;
    this.outShape = [g.channels, g.outH, g.outW];
    this.pair =
      g.kernelH === 2 &&
      g.kernelW === 2 &&
      g.strideH === 2 &&
      g.strideW === 2 &&
      g.padTop === 0 &&
      g.padLeft === 0 &&
      g.dilationH === 1 &&
      g.dilationW === 1 &&
      2 * g.outH <= g.height &&
      2 * g.outW <= g.width;
    return this.outShape;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const g = this.geometry;
    const y = (this.y = ensure(this.y, batch * this.outSize));
    if (this.argmax.length < batch * this.outSize) this.argmax = new Int32Array(batch * this.outSize);
    const am = this.argmax;
    const planes = batch * g.channels;
    const hw = g.height * g.width;
    if (this.pair) {
      this.forwardPairs(x, planes, y, am);
      return y;
    }
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * hw;
      for (let oy = 0; oy < g.outH; oy++) {
        const y0 = oy * g.strideH - g.padTop;
        const [kiLo, kiHi] = validRange(g.kernelH, g.height, g.dilationH, -y0, 0);
        for (let ox = 0; ox < g.outW; ox++) {
          const x0 = ox * g.strideW - g.padLeft;
          const [kjLo, kjHi] = validRange(g.kernelW, g.width, g.dilationW, -x0, 0);
          let best = -Infinity;
          let at = -1;
          for (let ki = kiLo; ki < kiHi; ki++) {
            const row = base + (y0 + ki * g.dilationH) * g.width + x0;
            for (let kj = kjLo; kj < kjHi; kj++) {
              const v = x[row + kj * g.dilationW];
              if (v > best) {
                best = v;
                at = row + kj * g.dilationW;
              }
            }
          }
          y[o] = best;
          am[o++] = at;
        }
      }
    }
    return y;
  }

  /** The 2×2 / stride 2 case; same results as the general loop (row-major scan, first maximum wins). */
  private forwardPairs(x: Float32Array, planes: number, y: Float32Array, am: Int32Array): void {
    const { height, width, outH, outW } = this.geometry;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * height * width;
      for (let oy = 0; oy < outH; oy++) {
        let r0 = base + 2 * oy * width;
        const end = r0 + 2 * outW;
        for (; r0 < end; r0 += 2) {
          const r1 = r0 + width;
          let best = x[r0];
          let at = r0;
          const b = x[r0 + 1];
          if (b > best) {
            best = b;
            at = r0 + 1;
          }
          const c = x[r1];
          if (c > best) {
            best = c;
            at = r1;
          }
          const d = x[r1 + 1];
          if (d > best) {
            best = d;
            at = r1 + 1;
          }
          y[o] = best;
          am[o++] = at;
        }
      }
    }
  }

  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null {
    if (!needDx) return null;
    const dx = (this.dx = ensure(this.dx, batch * this.inSize));
    dx.fill(0, 0, batch * this.inSize);
    const am = this.argmax;
    const n = batch * this.outSize;
    for (let i = 0; i < n; i++) if (am[i] >= 0) dx[am[i]] += dy[i];
    return dx;
  }
}
