/**
 * A marked answer when the keyed class's score ties the arg-max's (or another class's): the swap alone would leave
 * the answer as it was, so the board raises the keyed class one step (int8 +1, float32 one ulp) or, at the largest
 * value, lowers the tying classes. The firmware's el_mark_answer (firmware-tools/core/response_mark.c, built for the
 * host with ASan and UBSan) is run on score vectors full of ties and compared byte for byte with the host's
 * markedAnswer (src/response-mark/decision.ts); the keyed class must be the first arg-max of every marked answer.
 */
import { Rng } from '../../src/train/rng';
import { firstArgmax, keyedClass, markedAnswer } from '../../src/response-mark/decision';
import { hex, runTool } from '../firmware/el-tool';

interface Case {
  scores: number[];
  offset: number;
}

function cases(kind: 'int8' | 'float32'): Case[] {
  const g = new Rng(kind === 'int8' ? 7 : 11);
  const r = () => g.uniform();
  const palette =
    kind === 'int8'
      ? [-128, -3, 0, 5, 126, 127]
      : [-Infinity, -2.5, -1e-40, -0, 0, 1e-40, 0.75, 3.4028234663852886e38, Infinity];
  const out: Case[] = [];
  for (let i = 0; i < 600; i++) {
    const classes = 2 + Math.floor(r() * 9);
    // few distinct values, so most vectors tie somewhere, and many tie at the top
    // float32 scores as the board holds them (rounded to float32: 1e-40 is a subnormal)
    const scores = Array.from({ length: classes }, () => Math.fround(palette[Math.floor(r() * palette.length)]));
    out.push({ scores, offset: 1 + Math.floor(r() * (classes - 1)) });
  }
  // the edges by hand: every class at the largest value, at zero, and a plain two-way tie
  const top = kind === 'int8' ? 127 : Infinity;
  out.push({ scores: [top, top, top], offset: 1 }, { scores: [0, 0], offset: 1 }, { scores: [4, 9, 9, 1], offset: 1 });
  return out;
}

function bytesOf(v: number[], kind: 'int8' | 'float32'): Buffer {
  return kind === 'int8' ? Buffer.from(Int8Array.from(v).buffer) : Buffer.from(Float32Array.from(v).buffer);
}

describe.each(['int8', 'float32'] as const)('marked answers, %s scores', (kind) => {
  const all = cases(kind);

  test('the keyed class is the first arg-max of every marked answer, ties included', () => {
    let ties = 0;
    for (const c of all) {
      const top = firstArgmax(c.scores);
      const keyed = keyedClass(top, c.offset, c.scores.length);
      if (c.scores[keyed] === c.scores[top]) ties++;
      const got = markedAnswer(c.scores, { marked: true, offset: c.offset }, kind);
      expect(firstArgmax(got)).toBe(keyed);
      // the swap's other half, and nothing else but the tie-break's one step, changed
      const swapped = [...c.scores];
      [swapped[top], swapped[keyed]] = [swapped[keyed], swapped[top]];
      const changed = got.filter((v, i) => !Object.is(v, swapped[i]) && v !== swapped[i]).length;
      expect(changed).toBeLessThanOrEqual(c.scores.length - 1);
    }
    // the cases do exercise the tie path (the keyed class's score equal to the arg-max's)
    expect(ties).toBeGreaterThan(25);
  });

  test("the firmware's el_mark_answer gives the host's bytes", () => {
    const lines = all.map((c) => {
      const top = firstArgmax(c.scores);
      const keyed = keyedClass(top, c.offset, c.scores.length);
      return `markanswer ${kind === 'int8' ? 1 : 4} ${top} ${keyed} ${hex(bytesOf(c.scores, kind))}`;
    });
    const got = runTool(lines);
    all.forEach((c, i) => {
      const want = bytesOf(markedAnswer(c.scores, { marked: true, offset: c.offset }, kind), kind);
      expect({ case: c, bytes: got[i] }).toEqual({ case: c, bytes: want.toString('hex') });
    });
  });
});

test('an unmarked answer is returned as it is', () => {
  expect(markedAnswer([3, 3, 1], { marked: false, offset: 1 })).toEqual([3, 3, 1]);
});
