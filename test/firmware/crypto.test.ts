import * as crypto from 'crypto';
import { hex, runTool } from './el-tool';

const range = (from: number, to: number): Buffer =>
  Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

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
      `hmac ${aa131} ${hex(
        'This is a test using a larger than block-size key and a larger than block-size data. ' +
          'The key needs to be hashed before being used by the HMAC algorithm.',
      )}`,
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
    expect(out[1]).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
        'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
    expect(out[2]).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    expect(out[3]).toBe('error');
  });

  test('agrees with node:crypto on every length around the block boundaries', () => {
    const lens = [0, 1, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 200, 1000];
    const cases = lens.map((n) => ({
      msg: crypto.randomBytes(n),
      key: crypto.randomBytes((n * 7) % 150),
      salt: crypto.randomBytes(n % 40),
      L: 1 + ((n * 13) % 300),
    }));
    const out = runTool(
      cases.flatMap((c) => [
        `sha256 ${hex(c.msg)}`,
        `hmac ${hex(c.key)} ${hex(c.msg)}`,
        `hkdf ${hex(c.salt)} ${hex(c.key)} ${hex(c.msg)} ${c.L}`,
      ]),
    );
    cases.forEach((c, i) => {
      expect(out[3 * i]).toBe(crypto.createHash('sha256').update(c.msg).digest('hex'));
      expect(out[3 * i + 1]).toBe(crypto.createHmac('sha256', c.key).update(c.msg).digest('hex'));
      expect(out[3 * i + 2]).toBe(Buffer.from(crypto.hkdfSync('sha256', c.key, c.salt, c.msg, c.L)).toString('hex'));
    });
  });
});

describe('firmware ChaCha20 (C) against RFC 8439', () => {
  const key0to31 = hex(range(0, 31));
  const zero32 = hex(Buffer.alloc(32));
  const zero12 = hex(Buffer.alloc(12));

  test('block function: section 2.3.2 and appendix A.1 test vectors 1-5', () => {
    const out = runTool([
      `chachablock ${key0to31} 000000090000004a00000000 1`,
      `chachablock ${zero32} ${zero12} 0`,
      `chachablock ${zero32} ${zero12} 1`,
      `chachablock ${'00'.repeat(31)}01 ${zero12} 1`,
      `chachablock 00ff${'00'.repeat(30)} ${zero12} 2`,
      `chachablock ${zero32} ${'00'.repeat(11)}02 0`,
    ]);
    expect(out).toEqual([
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2' +
        'b5129cd1de164eb9cbd083e8a2503c4e',
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a37' +
        '6a43b8f41518a11cc387b669b2ee6586',
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d5' +
        '31ed1f28510afb45ace10a1f4b794d6f',
      '3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd' +
        '4e273644c8b36125a64addeb006c13a0',
      '72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c09' +
        '24a66c54d545ec1b7374f4872e99f096',
      'c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f7' +
        '5f8fc299e8148362fa198a39531bed6d',
    ]);
  });

  test('encryption: section 2.4.2 and appendix A.2 test vectors 1 and 3 (in place, as the firmware uses it)', () => {
    const sunscreen =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    const jabberwocky =
      "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.";
    const out = runTool([
      `chacha ${key0to31} 000000000000004a00000000 1 ${hex(sunscreen)}`,
      `chacha ${zero32} ${zero12} 0 ${hex(Buffer.alloc(64))}`,
      `chacha 1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0 ${'00'.repeat(11)}02 42 ${hex(jabberwocky)}`,
    ]);
    expect(out[0]).toBe(
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357' +
        '1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
        '5af90bbf74a35be6b40b8eedf2785e42874d',
    );
    expect(out[1]).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a37' +
        '6a43b8f41518a11cc387b669b2ee6586',
    );
    expect(out[2]).toBe(
      '62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871' +
        'fd84c54f9d65b283196c7fe4f60553ebf39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77' +
        '04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1',
    );
  });

  test('agrees with node:crypto on lengths around the block boundary and on any counter', () => {
    const cases = [0, 1, 63, 64, 65, 127, 128, 129, 1000, 4099].map((n, i) => ({
      key: crypto.randomBytes(32),
      nonce: crypto.randomBytes(12),
      counter: [0, 1, 7, 0xfffffffe, 123456][i % 5],
      data: crypto.randomBytes(n),
    }));
    // node's chacha20 carries the counter into the nonce after 2^32 blocks; stay clear of the wrap
    const out = runTool(
      cases.map(
        (c) =>
          `chacha ${hex(c.key)} ${hex(c.nonce)} ${c.counter === 0xfffffffe && c.data.length > 128 ? 9 : c.counter} ${hex(c.data)}`,
      ),
    );
    cases.forEach((c, i) => {
      const counter = c.counter === 0xfffffffe && c.data.length > 128 ? 9 : c.counter;
      const iv = Buffer.concat([Buffer.from(Uint32Array.of(counter).buffer), c.nonce]);
      const cipher = crypto.createCipheriv('chacha20', c.key, iv);
      expect(out[i]).toBe(hex(Buffer.concat([cipher.update(c.data), cipher.final()])));
    });
  });
});

describe('firmware lock keys (C): derived inside the key store, unwrapped model keys, bound to the model', () => {
  const nodeHkdf = (ikm: Buffer, salt: Buffer, info: string) =>
    Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from(info), 32));
  const keyIdOf = (k: Buffer) =>
    crypto.createHmac('sha256', k).update('edgelock key id').digest().subarray(0, 8).toString('hex');

  test('binding 1 (device), binding 2 (wrapped model key), each bound to the binding hash; and the refusals', () => {
    const deviceKey = crypto.randomBytes(32);
    const lockId = crypto.randomBytes(16);
    const modelKey = crypto.randomBytes(32);
    const hash = crypto.randomBytes(32);
    const otherHash = Buffer.from(hash);
    otherHash[31] ^= 1;
    const wrapKey = nodeHkdf(deviceKey, lockId, 'edgelock key wrap v1');
    const c = crypto.createCipheriv('chacha20', wrapKey, Buffer.alloc(16));
    const stream = c.update(Buffer.alloc(32));
    const wrapped = Buffer.from(modelKey.map((b, i) => b ^ stream[i]));
    const out = runTool([
      'wipe',
      `lockkey 0 1 ${hex(lockId)} - ${hex(hash)}`, // no device key yet
      `kshkdf ${hex(lockId)} ${hex('edgelock lock key v1')}`,
      `keywrite ${hex(deviceKey)}`,
      `kshkdf ${hex(lockId)} ${hex('edgelock lock key v1')}`,
      `lockkey 0 1 ${hex(lockId)} - ${hex(hash)}`,
      `lockkey 1 2 ${hex(lockId)} - ${hex(hash)}`, // model key, none set for the slot
      `lockkey 1 2 ${hex(lockId)} ${hex(wrapped)} ${hex(hash)}`,
      `lockkey 2 2 ${hex(lockId)} ${hex(wrapped)} ${hex(hash)}`, // no such model slot
      `lockkey 0 3 ${hex(lockId)} - ${hex(hash)}`, // unknown binding
      `lockkey 0 1 ${hex(lockId)} raw ${hex(hash)}`, // a development upload: no key, whatever the binding
      `lockkey 1 2 ${hex(lockId)} raw ${hex(hash)}`,
      `lockkey 0 1 ${hex(lockId)} - ${hex(otherHash)}`, // one bit of the model changed
      `lockkey 1 2 ${hex(lockId)} ${hex(wrapped)} ${hex(otherHash)}`,
    ]);
    const root = nodeHkdf(deviceKey, lockId, 'edgelock lock key v1');
    const lockKey = nodeHkdf(root, hash, 'edgelock tflite lock key v2');
    const modelLockKey = nodeHkdf(modelKey, hash, 'edgelock tflite lock key v2');
    expect(out[1]).toBe('status 21'); // ERR_KEY_EMPTY
    expect(out[2]).toBe('status 21');
    expect(out[3]).toBe('00');
    expect(out[4]).toBe(hex(root));
    expect(out[5]).toBe(`${hex(lockKey)} ${keyIdOf(lockKey)}`);
    expect(out[6]).toBe('status 38'); // ERR_LOCK_KEY
    expect(out[7]).toBe(`${hex(modelLockKey)} ${keyIdOf(modelLockKey)}`);
    expect(out[8]).toBe('status 30'); // ERR_MODEL_SLOT
    expect(out[9]).toBe('status 38');
    expect(out[10]).toBe('status 3b'); // ERR_LOCK_SOURCE
    expect(out[11]).toBe('status 3b');
    const other = nodeHkdf(root, otherHash, 'edgelock tflite lock key v2');
    expect(out[12]).toBe(`${hex(other)} ${keyIdOf(other)}`);
    expect(keyIdOf(other)).not.toBe(keyIdOf(lockKey));
    const otherModel = nodeHkdf(modelKey, otherHash, 'edgelock tflite lock key v2');
    expect(out[13]).toBe(`${hex(otherModel)} ${keyIdOf(otherModel)}`);
  });
});
