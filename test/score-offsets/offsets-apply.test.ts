/**
 * Score offsets on one answer, on the firmware (el_offsets_apply_key in firmware-tools/core/score_offsets.c, built for
 * the host with ASan and UBSan, fed the record through el_offsets_parse) and on the host (offsetAnswer in
 * src/score-offsets/apply.ts), byte for byte: random records (2 to 4 degrees, grids 1 to 16, inputs from 2 × 2 × 1 to
 * 40 × 36 × 3, random means and whitenings up to the float32 range, so that the float32 sums overflow, clips up to the
 * record's 64, deltas from 1e-3 to 1e6 so that int8 answers saturate), 2 to 256 classes (so the signs span up to 16
 * HMAC blocks), int8 and float32 scores with ±0, subnormals, ±inf and NaN. The boards run the same function
 * (board-agreement.test.ts checks a zoo model's int8 answers end to end); this reaches the shapes, the saturation and
 * the float32 paths no zoo model produces. A record for another input size, too many classes or an element size other
 * than 1 or 4 is refused (BAD_ARGUMENT) with the answer intact.
 */
import { ScoreOffsetsParams, encodeScoreOffsets } from '../../src/package/score-offsets';
import { offsetAnswer } from '../../src/score-offsets/apply';
import { Rng } from '../../src/train/rng';
import { hex, runTool } from '../firmware/el-tool';

const FLOATS = [-Infinity, -2.5, -1e-40, -0, 0, 1e-40, 0.75, 1, 3.4028234663852886e38, Infinity, NaN];

interface Case {
  p: ScoreOffsetsParams;
  key: Buffer;
  input: Int8Array;
  scores: number[];
  kind: 'int8' | 'float32';
}

function cases(): Case[] {
  const g = new Rng(31);
  const int = (n: number) => Math.floor(g.uniform() * n);
  return Array.from({ length: 600 }, (_, t) => {
    const degrees = 2 + int(3);
    const m = degrees * degrees;
    const height = 2 + int(39);
    const width = 2 + int(35);
    const channels = 1 + int(3);
    const grid = 1 + int(Math.min(16, height, width));
    const scale = [1e-6, 1e-3, 1, 3.4e38][int(4)];
    const p: ScoreOffsetsParams = {
      degrees,
      grid,
      height,
      width,
      channels,
      delta: Math.fround([1e-3, 1, 5.5, 1e6][int(4)]),
      clip: Math.fround([0.5, 2.5, 64][int(3)]),
      mean: Float32Array.from({ length: m }, () => g.normal() * 1e6),
      whiten: Float32Array.from({ length: m * m }, () => Math.max(-3.4e38, Math.min(3.4e38, g.normal() * scale))),
    };
    const kind = t % 2 === 0 ? 'int8' : 'float32';
    const classes = [2, 3, 10, 17, 100, 256][int(6)];
    const scores = Array.from({ length: classes }, () =>
      kind === 'int8' ? -128 + int(256) : g.uniform() < 0.3 ? FLOATS[int(FLOATS.length)] : g.normal() * 10,
    );
    const input = Int8Array.from({ length: height * width * channels }, () => -128 + int(256));
    const key = Buffer.from(Array.from({ length: 32 }, () => int(256)));
    return { p, key, input, scores, kind };
  });
}

const bytes = (v: ArrayLike<number>, kind: 'int8' | 'float32') =>
  kind === 'int8' ? Buffer.from(Int8Array.from(v).buffer) : Buffer.from(Float32Array.from(v).buffer);

test('600 random records and answers: the firmware and the host agree byte for byte, under ASan and UBSan', () => {
  const all = cases();
  const out = runTool(
    all.map(
      (c) =>
        `offsetsapply ${hex(encodeScoreOffsets(c.p))} ${hex(c.key)} ${hex(Buffer.from(c.input.buffer))} ` +
        `${c.kind === 'int8' ? 1 : 4} ${hex(bytes(c.scores, c.kind))}`,
    ),
  );
  let changed = 0;
  let saturated = 0;
  all.forEach((c, i) => {
    const want = bytes(offsetAnswer(c.key, c.p, c.input, c.scores, c.kind), c.kind);
    expect(out[i]).toBe(`1 ${hex(want)}`);
    if (!want.equals(bytes(c.scores, c.kind))) changed++;
    if (c.kind === 'int8' && Int8Array.from(want).some((v) => v === 127 || v === -128)) saturated++;
  });
  expect(changed).toBeGreaterThan(350); // 419: the rest move by less than half a step or a float32 ulp
  expect(saturated).toBeGreaterThan(50);
});

test('an answer that does not fit the record is refused and left as it was', () => {
  const [c] = cases();
  const record = hex(encodeScoreOffsets(c.p));
  const scores = hex(Buffer.from(Int8Array.from([1, 2, 3]).buffer));
  const longer = hex(Buffer.concat([Buffer.from(c.input.buffer), Buffer.alloc(1)]));
  const many = hex(Buffer.alloc(257, 1));
  const out = runTool([
    `offsetsapply ${record} ${hex(c.key)} ${longer} 1 ${scores}`,
    `offsetsapply ${record} ${hex(c.key)} ${hex(Buffer.from(c.input.buffer))} 1 ${many}`,
    `offsetsapply ${record} ${hex(c.key)} ${hex(Buffer.from(c.input.buffer))} 2 ${scores}0000`,
    `offsetsapply ${record} ${hex(c.key)} ${hex(Buffer.from(c.input.buffer))} 1 01`,
  ]);
  // -0x13: EL_ST_ERR_BAD_ARGUMENT negated
  expect(out).toEqual([`-19 ${scores}`, `-19 ${many}`, `-19 ${scores}0000`, '-19 01']);
});
