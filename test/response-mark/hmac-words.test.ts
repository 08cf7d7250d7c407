/**
 * The host's HMAC-SHA256 with precomputed key states (src/response-mark/hmac-words.ts), which decides a factory's
 * boards on a pool: RFC 4231's test vectors, Node's crypto on every message length around the block boundaries and
 * on keys longer than a block, and decideBoard's selections equal to decideCoarse's (Node's HMAC) input by input.
 */
import * as crypto from 'crypto';
import { decideBoard } from '../../src/response-mark/decide-boards';
import { decideCoarse } from '../../src/response-mark/decision';
import { KeyedHmac, padMessages } from '../../src/response-mark/hmac-words';

const range = (from: number, to: number): Buffer =>
  Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

const digest = (key: Uint8Array, msg: Uint8Array): string =>
  new KeyedHmac(key).digest(padMessages([msg]), 0).toString('hex');

test('RFC 4231 test cases 1-4, 5 (truncated), 6, 7', () => {
  const aa131 = Buffer.alloc(131, 0xaa);
  expect(digest(Buffer.alloc(20, 0x0b), Buffer.from('Hi There'))).toBe(
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  );
  expect(digest(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'))).toBe(
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  expect(digest(Buffer.alloc(20, 0xaa), Buffer.alloc(50, 0xdd))).toBe(
    '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  );
  expect(digest(range(1, 25), Buffer.alloc(50, 0xcd))).toBe(
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  );
  expect(digest(Buffer.alloc(20, 0x0c), Buffer.from('Test With Truncation')).slice(0, 32)).toBe(
    'a3b6167473100ee06e0c796c2955552b',
  );
  expect(digest(aa131, Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'))).toBe(
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  );
  expect(
    digest(
      aa131,
      Buffer.from(
        'This is a test using a larger than block-size key and a larger than block-size data. ' +
          'The key needs to be hashed before being used by the HMAC algorithm.',
      ),
    ),
  ).toBe('9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2');
});

test("agrees with Node's crypto on every length around the block boundaries, many messages under one key", () => {
  const lens = [0, 1, 31, 32, 54, 55, 56, 57, 63, 64, 65, 118, 119, 120, 127, 128, 129, 200, 1000];
  for (const keyLength of [0, 1, 32, 63, 64, 65, 150]) {
    const key = crypto.randomBytes(keyLength);
    const messages = lens.map((n) => crypto.randomBytes(n));
    const padded = padMessages(messages);
    const h = new KeyedHmac(key);
    messages.forEach((m, i) => {
      const want = crypto.createHmac('sha256', key).update(m).digest();
      expect(h.digest(padded, i).toString('hex')).toBe(want.toString('hex'));
      expect(h.firstWord(padded, i)).toBe(want.readUInt32LE(0));
      expect(h.second).toBe(want.readUInt32LE(4));
    });
  }
});

test('a board decided with the precomputed states marks exactly what decideCoarse marks, input by input', () => {
  const codes = Array.from({ length: 4000 }, (_, i) => crypto.randomBytes(11 + (i % 60)));
  const gated = codes.map((_, i) => i).filter((i) => i % 3 !== 0);
  for (const [classes, skipRunnerUp] of [
    [10, false],
    [12, true],
    [2, true],
  ] as const) {
    const key = crypto.randomBytes(32);
    const ratePpm = 200_000;
    const got = decideBoard({ codes, gated, classes, skipRunnerUp }, { key, ratePpm });
    const want = gated
      .map((i) => ({ i, m: decideCoarse(key, ratePpm, codes[i], classes, skipRunnerUp) }))
      .filter(({ m }) => m.marked);
    expect(got.indices).toEqual(want.map(({ i }) => i));
    expect(got.offsets).toEqual(want.map(({ m }) => m.offset));
    // with two classes and the runner-up skipped there is no class to key: nothing is marked
    if (classes === 2) expect(got.indices).toEqual([]);
    else expect(got.indices.length).toBeGreaterThan(400);
  }
});

test('wipe zeroes the key states', () => {
  const h = new KeyedHmac(crypto.randomBytes(32));
  const padded = padMessages([Buffer.from('x')]);
  const before = h.digest(padded, 0);
  h.wipe();
  const states = Object.values(h).filter((v): v is Int32Array => v instanceof Int32Array);
  expect(states.length).toBe(5);
  expect(states.every((s) => s.every((v) => v === 0))).toBe(true);
  expect(h.digest(padded, 0).equals(before)).toBe(false);
});
