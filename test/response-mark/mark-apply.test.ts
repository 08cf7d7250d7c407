/**
 * The whole mark on one answer — scheme 2's gate, the keyed decision (HMAC of the coarsened input), the runner-up the
 * keyed class passes over, the swap and the tie-break — on the firmware (el_mark_apply_key in
 * firmware-tools/core/response_mark.c, built for the host with ASan and UBSan, fed the 16-byte record) and on the host
 * (applyMark in src/response-mark/decision.ts), byte for byte, for int8 and float32 scores full of ties (at the top,
 * at the runner-up), ±0, subnormals, ±inf and NaN, schemes 1 and 2, with and without a gate. The boards run the same
 * function (board-agreement.test.ts checks int8 answers end to end); this reaches the float32 and tie paths no zoo
 * model produces.
 */
import { encodeResponseMark, ResponseMarkParams } from '../../src/package/response-mark';
import { applyMark } from '../../src/response-mark/decision';
import { Rng } from '../../src/train/rng';
import { hex, runTool } from '../firmware/el-tool';

interface Case {
  params: ResponseMarkParams;
  key: Buffer;
  input: Int8Array;
  scores: number[];
}

const PALETTES = {
  int8: [-128, -127, -3, 0, 1, 5, 24, 126, 127],
  float32: [-Infinity, -2.5, -1e-40, -0, 0, 1e-40, 0.75, 1, 3.4028234663852886e38, Infinity, NaN],
};

function cases(kind: 'int8' | 'float32'): Case[] {
  const g = new Rng(kind === 'int8' ? 21 : 23);
  const int = (n: number) => Math.floor(g.uniform() * n);
  const palette = PALETTES[kind];
  return Array.from({ length: 800 }, () => {
    const classes = 2 + int(9);
    const scheme2 = int(3) > 0;
    const gates = kind === 'int8' ? [0, 1, 4, 30, 200] : [0, 0.25, 1, 3.4028234663852886e38];
    const gate = scheme2 ? gates[int(gates.length)] : 0;
    const params: ResponseMarkParams = {
      // mostly high rates, so that many answers are marked; some low ones
      ratePpm: [1_000_000, 700_000, 300_000, 1000][int(4)],
      groups: 1 + int(64),
      levels: 2 + int(15),
      ...(scheme2 ? { skipRunnerUp: true } : {}),
      ...(gate ? { gate } : {}),
    };
    const key = Buffer.from(Array.from({ length: 32 }, () => int(256)));
    const input = Int8Array.from({ length: 1 + int(100) }, () => int(256) - 128);
    const scores = Array.from({ length: classes }, () => Math.fround(palette[int(palette.length)]));
    return { params, key, input, scores };
  });
}

function bytesOf(v: number[], kind: 'int8' | 'float32'): Buffer {
  return kind === 'int8' ? Buffer.from(Int8Array.from(v).buffer) : Buffer.from(Float32Array.from(v).buffer);
}

describe.each(['int8', 'float32'] as const)('the mark on one answer, %s scores', (kind) => {
  const all = cases(kind);

  test("the firmware's el_mark_apply_key gives the host's applyMark, byte for byte", () => {
    const got = runTool(
      all.map(
        (c) =>
          `markapply ${hex(encodeResponseMark(c.params))} ${hex(c.key)} ${hex(Buffer.from(c.input.buffer))} ` +
          `${kind === 'int8' ? 1 : 4} ${hex(bytesOf(c.scores, kind))}`,
      ),
    );
    let marked = 0;
    let closed = 0;
    all.forEach((c, i) => {
      const m = applyMark(c.key, c.params, c.input, c.scores, kind);
      const want = `${m.decision?.marked ? 1 : 0} ${bytesOf(m.answer, kind).toString('hex')}`;
      expect({ case: c, got: got[i] }).toEqual({ case: c, got: want });
      if (m.decision?.marked) marked++;
      if (!m.decision) closed++;
    });
    // both outcomes of the decision and of the gate are exercised
    expect(marked).toBeGreaterThan(150);
    expect(closed).toBeGreaterThan(50);
  });
});
