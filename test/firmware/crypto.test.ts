import * as crypto from 'crypto';
import { hex, runTool } from './el-tool';

const range = (from: number, to: number): Buffer => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe('firmware crypto (C) against published test vectors', () => {
  test('SHA-256: FIPS 180-2 appendix B examples', () => {
    const out = runTool([
      `sha256 ${hex('abc')}`,
      `sha256 ${hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')}`,
      `sha256rep ${hex('a'.repeat(1000))} 1000`,
      'sha256 -',
    ]);
    expect(out).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });

  test('HMAC-SHA256: RFC 4231 test cases 1-4, 5 (truncated), 6, 7', () => {
    const aa131 = hex(Buffer.alloc(131, 0xaa));
    const out = runTool([
      `hmac ${hex(Buffer.alloc(20, 0x0b))} ${hex('Hi There')}`,
      `hmac ${hex('Jefe')} ${hex('what do ya want for nothing?')}`,
      `hmac ${hex(Buffer.alloc(20, 0xaa))} ${hex(Buffer.alloc(50, 0xdd))}`,
      `hmac ${hex(range(1, 25))} ${hex(Buffer.alloc(50, 0xcd))}`,
      `hmac ${hex(Buffer.alloc(20, 0x0c))} ${hex('Test With Truncation')}`,
      `hmac ${aa131} ${hex('Test Using Larger Than Block-Size Key - Hash Key First')}`,
      `hmac ${aa131} ${hex('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.')}`,
    ]);
    expect(out[0]).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(out[1]).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(out[2]).toBe('773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe');
    expect(out[3]).toBe('82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b');
    expect(out[4].slice(0, 32)).toBe('a3b6167473100ee06e0c796c2955552b');
    expect(out[5]).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    expect(out[6]).toBe('9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2');
  });

  test('HKDF-SHA256: RFC 5869 test cases 1-3', () => {
    const out = runTool([
      `hkdf ${hex(range(0, 12))} ${hex(Buffer.alloc(22, 0x0b))} ${hex(range(0xf0, 0xf9))} 42`,
      `hkdf ${hex(range(0x60, 0xaf))} ${hex(range(0, 0x4f))} ${hex(range(0xb0, 0xff))} 82`,
      `hkdf - ${hex(Buffer.alloc(22, 0x0b))} - 42`,
      `hkdf - ${hex(Buffer.alloc(22, 0x0b))} - ${255 * 32 + 1}`,
    ]);
    expect(out[0]).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    expect(out[1]).toBe('b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87');
    expect(out[2]).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    expect(out[3]).toBe('error');
  });

  test('agrees with node:crypto on every length around the block boundaries', () => {
    const lens = [0, 1, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 200, 1000];
    const cases = lens.map((n) => ({ msg: crypto.randomBytes(n), key: crypto.randomBytes((n * 7) % 150), salt: crypto.randomBytes(n % 40), L: 1 + ((n * 13) % 300) }));
    const out = runTool(cases.flatMap((c) => [`sha256 ${hex(c.msg)}`, `hmac ${hex(c.key)} ${hex(c.msg)}`, `hkdf ${hex(c.salt)} ${hex(c.key)} ${hex(c.msg)} ${c.L}`]));
    cases.forEach((c, i) => {
      expect(out[3 * i]).toBe(crypto.createHash('sha256').update(c.msg).digest('hex'));
      expect(out[3 * i + 1]).toBe(crypto.createHmac('sha256', c.key).update(c.msg).digest('hex'));
      expect(out[3 * i + 2]).toBe(Buffer.from(crypto.hkdfSync('sha256', c.key, c.salt, c.msg, c.L)).toString('hex'));
    });
  });
});
