/**
 * The trigger scheme against an independent Python implementation of the spec
 * (scripts/watermark-reference.py, hashlib/hmac only; values below printed by
 * `/usr/bin/python3 scripts/watermark-reference.py alice 000102…1f 10 12 60000 20 784`),
 * plus the properties the scheme promises (determinism, derangement, distinct draws, clamping).
 */
import { createHash } from 'crypto';
import { derangement } from '../../src/watermark/derangement';
import { Sha256Stream, distinctDraws } from '../../src/watermark/drbg';
import { commitment, ownerSignature } from '../../src/watermark/signature';
import { buildTriggers, stamp, triggerPlan } from '../../src/watermark/triggers';
import { TriggerParams } from '../../src/watermark/params';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const params = (over: Partial<TriggerParams> = {}): TriggerParams => ({
  triggers: 12,
  positions: 20,
  delta: 0.5,
  range: [0, 1],
  classes: 10,
  baseCount: 60000,
  sampleSize: 784,
  ...over,
});

describe('signature and commitment', () => {
  test('match the Python reference (hmac/hashlib)', () => {
    const sig = ownerSignature(KEY, 'alice');
    expect(hex(sig)).toBe('6eefad2bed97b6d93ee663d67a44b46016b3d79dcad54ada39b61a1d14874d1b');
    expect(commitment(sig, 'lenet')).toBe('03ef6655045effff3b18fec33f89f03ed7ef4dbc749b9015028df6dd5175d2e0');
  });

  test('differ for another owner id or key', () => {
    const a = hex(ownerSignature(KEY, 'alice'));
    expect(hex(ownerSignature(KEY, 'alicf'))).not.toBe(a);
    const k2 = KEY.slice();
    k2[31] ^= 1;
    expect(hex(ownerSignature(k2, 'alice'))).not.toBe(a);
  });

  test('rejects keys that are not 32 bytes and empty owners', () => {
    expect(() => ownerSignature(new Uint8Array(16), 'alice')).toThrow(/32 bytes/);
    expect(() => ownerSignature(KEY, '')).toThrow(/owner id/);
  });
});

describe('DRBG', () => {
  test('block 0 is SHA-256(seed ‖ "edgelock-wm1/" tag ‖ be32(0)), read big-endian', () => {
    const seed = new Uint8Array(32).fill(9);
    const s = new Sha256Stream(seed, 'bases');
    const words = Array.from({ length: 10 }, () => s.nextU32());
    const b0 = createHash('sha256')
      .update(seed)
      .update('edgelock-wm1/bases')
      .update(Buffer.from([0, 0, 0, 0]))
      .digest();
    const b1 = createHash('sha256')
      .update(seed)
      .update('edgelock-wm1/bases')
      .update(Buffer.from([0, 0, 0, 1]))
      .digest();
    expect(words.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => b0.readUInt32BE(4 * i)));
    expect(words.slice(8)).toEqual([b1.readUInt32BE(0), b1.readUInt32BE(4)]);
  });

  test('uniform stays in range and is deterministic', () => {
    const seed = new Uint8Array(32).fill(3);
    const a = new Sha256Stream(seed, 'x');
    const b = new Sha256Stream(seed, 'x');
    for (const n of [1, 2, 3, 7, 10, 784, 60000, 2 ** 31 + 1, 2 ** 32]) {
      for (let i = 0; i < 50; i++) {
        const v = a.uniform(n);
        expect(v).toBe(b.uniform(n));
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(n);
      }
    }
  });

  test('uniform(n) for n just above 2^31 rejects words at or above the limit (no modulo bias)', () => {
    // limit = 2^32 − (2^32 mod n) = n for n > 2^31: every accepted word is < n, so w mod n = w.
    const seed = new Uint8Array(32).fill(5);
    const raw = new Sha256Stream(seed, 'r');
    const s = new Sha256Stream(seed, 'r');
    const n = 2 ** 31 + 12345;
    const expected: number[] = [];
    while (expected.length < 20) {
      const w = raw.nextU32();
      if (w < n) expected.push(w);
    }
    expect(Array.from({ length: 20 }, () => s.uniform(n))).toEqual(expected);
  });

  test('distinct draws are distinct and complete when k = n', () => {
    const s = new Sha256Stream(new Uint8Array(32), 'd');
    const v = distinctDraws(s, 50, 50);
    expect(new Set(v).size).toBe(50);
    expect([...v].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => distinctDraws(s, 3, 2)).toThrow();
  });
});

describe('derangement', () => {
  test('never has a fixed point and is a permutation, for many signatures and class counts', () => {
    for (let c = 2; c <= 12; c++) {
      for (let i = 0; i < 40; i++) {
        const seed = createHash('sha256').update(`d${c}/${i}`).digest();
        const p = derangement(new Sha256Stream(seed, 'labels'), c);
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: c }, (_, k) => k));
        p.forEach((v, k) => expect(v).not.toBe(k));
      }
    }
  });

  test('2 classes give the swap; 3 classes give both 3-cycles, about equally often', () => {
    expect(derangement(new Sha256Stream(new Uint8Array(32), 'labels'), 2)).toEqual([1, 0]);
    const seen: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const p = derangement(new Sha256Stream(createHash('sha256').update(`t${i}`).digest(), 'labels'), 3).join('');
      seen[p] = (seen[p] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort()).toEqual(['120', '201']);
    expect(seen['120']).toBeGreaterThan(140); // binomial(400, 1/2): 140 is > 6 sigma below 200
    expect(seen['201']).toBeGreaterThan(140);
  });
});

describe('trigger plan', () => {
  const sig = ownerSignature(KEY, 'alice');

  test('matches the Python reference', () => {
    const plan = triggerPlan(sig, params());
    expect(plan.perm).toEqual([6, 3, 9, 5, 7, 8, 4, 2, 0, 1]);
    expect(plan.bases).toEqual([25863, 23671, 11452, 53326, 2118, 56595, 35250, 41872, 15997, 38599, 36314, 30338]);
    expect(plan.positions).toEqual([
      513, 74, 592, 546, 706, 110, 519, 252, 242, 146, 227, 172, 622, 717, 712, 615, 407, 650, 633, 719,
    ]);
    expect(plan.signs).toEqual([-1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, 1, -1, -1, 1, -1, -1, 1, 1, 1]);
  });

  test('is deterministic and depends on the signature', () => {
    expect(triggerPlan(sig, params())).toEqual(triggerPlan(sig, params()));
    const other = triggerPlan(ownerSignature(KEY, 'bob'), params());
    expect(other.bases).not.toEqual(triggerPlan(sig, params()).bases);
  });

  test('stamps ±delta at the positions only, in float32, clamped to the range', () => {
    const p = params({ triggers: 3, baseCount: 4, sampleSize: 6, positions: 4, delta: 0.3, range: [-1, 1] });
    const plan = triggerPlan(sig, p);
    const data = Float32Array.from({ length: 24 }, (_, i) => ((i * 37) % 21) / 10 - 1);
    const labels = [0, 1, 2, 3];
    const t = buildTriggers(plan, p, data, labels);
    plan.bases.forEach((b, k) => {
      for (let i = 0; i < 6; i++) {
        const x = data[b * 6 + i];
        const j = plan.positions.indexOf(i);
        const want = j < 0 ? x : Math.min(1, Math.max(-1, Math.fround(x + plan.signs[j] * Math.fround(0.3))));
        expect(t.x[k * 6 + i]).toBe(Math.fround(want));
      }
      expect(t.labels[k]).toBe(plan.perm[labels[b]]);
      expect(t.labels[k]).not.toBe(labels[b]);
    });
    const s = new Float32Array(6).fill(1);
    stamp(s, plan, p);
    plan.positions.forEach((i, j) => expect(s[i]).toBe(plan.signs[j] > 0 ? 1 : Math.fround(1 - Math.fround(0.3))));
  });

  test('rejects data that does not fit the parameters', () => {
    const p = params({ triggers: 2, baseCount: 3, sampleSize: 4, positions: 2 });
    const plan = triggerPlan(sig, p);
    expect(() => buildTriggers(plan, p, new Float32Array(8), [0, 1])).toThrow(
      expect.objectContaining({ code: 'E_WATERMARK_DATA' }),
    );
    expect(() => triggerPlan(sig, params({ triggers: 5, baseCount: 4 }))).toThrow(
      expect.objectContaining({ code: 'E_WATERMARK_PARAMS' }),
    );
    expect(() => triggerPlan(sig, params({ positions: 785 }))).toThrow(
      expect.objectContaining({ code: 'E_WATERMARK_PARAMS' }),
    );
  });
});
