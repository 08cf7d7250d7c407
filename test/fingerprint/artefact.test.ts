/**
 * The fingerprint file: a written file reads back identically, and every malformed variant fails
 * with E_FINGERPRINT_FORMAT naming the field (never a crash, never a half-read fingerprint).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Fingerprint,
  parseFingerprint,
  readFingerprint,
  serialiseFingerprint,
  writeFingerprint,
} from '../../src/fingerprint/artefact';
import { summariseNull } from '../../src/fingerprint/create';
import { scoreFingerprint } from '../../src/fingerprint/verify';

function sample(): Fingerprint {
  const inputs = new Float32Array(3 * 4);
  for (let i = 0; i < inputs.length; i++) inputs[i] = i / 7;
  return {
    kind: 'edgelock-fingerprint',
    version: 1,
    method: 'conferrable-adversarial-examples',
    modelSha256: 'ab'.repeat(32),
    classes: 5,
    sampleShape: [1, 2, 2],
    count: 3,
    inputs,
    labels: [0, 4, 2],
    null: summariseNull([
      { model: 'a', matches: 1, trials: 3 },
      { model: 'b', matches: 0, trials: 3 },
    ]),
    alpha: 1e-6,
    crafting: { epsilon: 0.2 },
  };
}

test('write → read gives the same fingerprint', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-'));
  const file = path.join(dir, 'fp.json');
  writeFingerprint(file, sample());
  const back = readFingerprint(file);
  expect(back).toEqual(sample());
  fs.rmSync(dir, { recursive: true });
});

test('the null rate is the larger of the Clopper–Pearson bound and the worst model, plus the margin', () => {
  const n = summariseNull([
    { model: 'a', matches: 10, trials: 100 },
    { model: 'b', matches: 30, trials: 100 },
  ]);
  expect(n.maxModelRate).toBeCloseTo(0.3, 12);
  expect(n.upperBound).toBeGreaterThan(0.2);
  expect(n.upperBound).toBeLessThan(0.3);
  expect(n.nullRate).toBeCloseTo(0.35, 12);
});

function mutated(edit: (j: Record<string, unknown>) => void): string {
  const j = JSON.parse(serialiseFingerprint(sample())) as Record<string, unknown>;
  edit(j);
  return JSON.stringify(j);
}

test.each<[string, string, RegExp]>([
  ['not JSON', '{"kind": ', /is not JSON/],
  ['another kind', mutated((j) => (j.kind = 'edgelock-watermark-null')), /kind/],
  ['a future version', mutated((j) => (j.version = 2)), /version 2 is not supported/],
  ['a bad model digest', mutated((j) => (j.modelSha256 = 'xyz')), /modelSha256/],
  ['one class', mutated((j) => (j.classes = 1)), /classes/],
  ['a bad shape', mutated((j) => (j.sampleShape = [1, -2])), /sampleShape/],
  ['labels ≠ count', mutated((j) => (j.labels = [1, 2])), /labels must hold 3/],
  ['a label out of range', mutated((j) => (j.labels = [0, 5, 1])), /labels must be integers in \[0, 5\)/],
  ['truncated inputs', mutated((j) => (j.inputs = Buffer.alloc(8).toString('base64'))), /inputs hold 8 bytes/],
  [
    'altered inputs',
    mutated((j) => {
      const b = Buffer.from(j.inputs as string, 'base64');
      b[5] ^= 1;
      j.inputs = b.toString('base64');
    }),
    /inputsSha256 does not match/,
  ],
  ['no null models', mutated((j) => ((j.null as Record<string, unknown>).models = [])), /null.models/],
  ['a null rate of 1', mutated((j) => ((j.null as Record<string, unknown>).nullRate = 1)), /null.nullRate/],
  ['alpha 0', mutated((j) => (j.alpha = 0)), /alpha/],
])('%s → E_FINGERPRINT_FORMAT', (_what, text, message) => {
  let err: unknown;
  try {
    parseFingerprint(text, 'fp.json');
  } catch (e) {
    err = e;
  }
  expect(err).toMatchObject({ code: 'E_FINGERPRINT_FORMAT' });
  expect((err as Error).message).toMatch(message);
});

test('a missing file is E_FINGERPRINT_FORMAT', () => {
  expect(() => readFingerprint('/nonexistent/fp.json')).toThrow(
    expect.objectContaining({ code: 'E_FINGERPRINT_FORMAT' }),
  );
});

test('scoring: exact binomial tail against the file’s null rate', () => {
  const fp = sample();
  const all = scoreFingerprint([0, 4, 2], fp);
  expect(all.matches).toBe(3);
  expect(all.pValue).toBeCloseTo(fp.null.nullRate ** 3, 12);
  expect(scoreFingerprint([1, 4, 2], fp).matches).toBe(2);
});
