/**
 * im2col against the definition (column (c·kH + ki)·kW + kj, position oy·outW + ox holds input
 * pixel (c, oy·sH − padTop + ki·dH, ox·sW − padLeft + kj·dW), or 0 outside the image), and col2im
 * as its adjoint: ⟨im2col(x), d⟩ = ⟨x, col2im(d)⟩ for every x and d.
 */
import { WindowSpec, convGeometry } from '../../src/train/conv-geometry';
import { col2im, im2col } from '../../src/train/im2col';
import { Rng } from '../../src/train/rng';

const CASES: [string, number[], WindowSpec][] = [
  ['LeNet conv1 (pad 2)', [1, 28, 28], { kernel: [5, 5], pads: [2, 2, 2, 2] }],
  ['LeNet conv2', [6, 14, 14], { kernel: [5, 5] }],
  ['stride 2, asymmetric pads', [2, 9, 8], { kernel: [3, 2], strides: [2, 1], pads: [1, 0, 0, 1] }],
  [
    'stride (1, 3), dilation 2',
    [3, 11, 13],
    { kernel: [3, 3], strides: [1, 3], pads: [2, 2, 2, 2], dilations: [2, 2] },
  ],
  ['kernel larger than padded rows', [1, 3, 7], { kernel: [5, 3], pads: [2, 1, 2, 1], strides: [2, 2] }],
];

describe.each(CASES)('%s', (_name, inShape, spec) => {
  const g = convGeometry(inShape, spec);
  const [C, H, W] = inShape;
  const [kH, kW] = spec.kernel;
  const [sH, sW] = spec.strides ?? [1, 1];
  const [pT, pL] = spec.pads ?? [0, 0, 0, 0];
  const [dH, dW] = spec.dilations ?? [1, 1];
  const plane = g.outH * g.outW;
  const rows = C * kH * kW;
  const rng = new Rng(C * 1000 + H * 10 + W);
  const xOff = 7;
  const colOff = 5;

  test('im2col matches the definition and writes only its block', () => {
    const x = rng.normalArray(xOff + C * H * W, 1);
    const cols = new Float32Array(colOff + rows * plane + 3).fill(NaN);
    im2col(x, xOff, g, cols, colOff);
    for (let c = 0; c < C; c++)
      for (let ki = 0; ki < kH; ki++)
        for (let kj = 0; kj < kW; kj++)
          for (let oy = 0; oy < g.outH; oy++)
            for (let ox = 0; ox < g.outW; ox++) {
              const iy = oy * sH - pT + ki * dH;
              const ix = ox * sW - pL + kj * dW;
              const want = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[xOff + (c * H + iy) * W + ix] : 0;
              expect(cols[colOff + ((c * kH + ki) * kW + kj) * plane + oy * g.outW + ox]).toBe(want);
            }
    expect(cols.subarray(0, colOff).every(Number.isNaN)).toBe(true);
    expect(cols.subarray(colOff + rows * plane).every(Number.isNaN)).toBe(true);
  });

  test('col2im is the adjoint of im2col and adds to what dx holds', () => {
    const x = rng.normalArray(C * H * W, 1);
    const d = rng.normalArray(colOff + rows * plane, 1);
    const cols = new Float32Array(rows * plane);
    im2col(x, 0, g, cols, 0);
    const base = rng.normalArray(xOff + C * H * W, 1);
    const dx = base.slice();
    col2im(d, colOff, g, dx, xOff);
    let lhs = 0;
    for (let i = 0; i < rows * plane; i++) lhs += cols[i] * d[colOff + i];
    let rhs = 0;
    for (let i = 0; i < C * H * W; i++) rhs += x[i] * (dx[xOff + i] - base[xOff + i]);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
    expect(Array.from(dx.subarray(0, xOff))).toEqual(Array.from(base.subarray(0, xOff)));
  });
});
