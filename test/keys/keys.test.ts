/** Key files, the HKDF hierarchy and ChaCha20, checked against RFC 5869 and RFC 8439 test vectors. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { chacha20Xor } from '../../src/keys/chacha20';
import { deriveDeviceKey, deriveDeviceLockKey, deriveModelKey, hkdf, keyId } from '../../src/keys/derive';
import { parseDeviceUid } from '../../src/keys/device-uid';
import { createKeyFile, readKeyFile } from '../../src/keys/key-file';
import { hkdfSync } from 'crypto';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('HKDF-SHA256 matches RFC 5869 test case 1', () => {
  // hkdf() takes its info as text; test case 1's info bytes f0..f9 are not UTF-8 text, so the
  // vector is checked through node:crypto with the same call shape the hierarchy uses.
  const okm = Buffer.from(
    hkdfSync('sha256', hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42),
  );
  expect(okm.toString('hex')).toBe(
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  );
});

test('HKDF-SHA256 matches RFC 5869 test case 3 (empty salt and info) through hkdf()', () => {
  expect(hkdf(hex('0b'.repeat(22)), Buffer.alloc(0), '', 42).toString('hex')).toBe(
    '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  );
});

test('ChaCha20 matches the RFC 8439 section 2.4.2 encryption vector', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = hex('000000000000004a00000000');
  const plain = Buffer.from(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    'ascii',
  );
  const cipher = chacha20Xor(key, nonce, 1, plain);
  expect(cipher.subarray(0, 16).toString('hex')).toBe('6e2e359a2568f98041ba0728dd0d6981');
  expect(cipher.subarray(cipher.length - 10).toString('hex')).toBe('b40b8eedf2785e42874d');
  expect(chacha20Xor(key, nonce, 1, cipher).equals(plain)).toBe(true);
});

test('ChaCha20 block function matches RFC 8439 section 2.3.2 (key stream of block 1)', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const ks = chacha20Xor(key, hex('000000090000004a00000000'), 1, Buffer.alloc(64));
  expect(ks.toString('hex')).toBe(
    '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
  );
});

describe('key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgelock-keys-'));

  test('keygen writes 32 bytes with mode 0600 and refuses to overwrite', () => {
    const f = join(dir, 'master.key');
    createKeyFile(f);
    expect(statSync(f).size).toBe(32);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const before = readFileSync(f);
    expect(() => createKeyFile(f)).toThrow(expect.objectContaining({ code: 'E_KEY_EXISTS' }));
    expect(readFileSync(f).equals(before)).toBe(true);
    expect(readKeyFile(f).equals(before)).toBe(true);
  });

  test('two keygens give different keys', () => {
    createKeyFile(join(dir, 'a.key'));
    createKeyFile(join(dir, 'b.key'));
    expect(readKeyFile(join(dir, 'a.key')).equals(readKeyFile(join(dir, 'b.key')))).toBe(false);
  });

  test('a file that is not 32 bytes, or missing, is E_KEY_FILE and the message has no content', () => {
    const f = join(dir, 'short.key');
    writeFileSync(f, Buffer.from('secret-material-31-bytes-long!!'));
    const err = (() => {
      try {
        readKeyFile(f);
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe('E_KEY_FILE');
    expect(err.message).not.toContain('secret');
    expect(() => readKeyFile(join(dir, 'none.key'))).toThrow(expect.objectContaining({ code: 'E_KEY_FILE' }));
  });
});

describe('hierarchy', () => {
  const master = hex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
  const lockId = hex('0f'.repeat(16));

  test('device key = HKDF(master, salt = uid, info = "edgelock device key v1")', () => {
    const uid = parseDeviceUid('DEADBEEF01');
    const expected = Buffer.from(hkdfSync('sha256', master, uid, Buffer.from('edgelock device key v1'), 32));
    expect(deriveDeviceKey(master, uid).equals(expected)).toBe(true);
  });

  test('keys differ per device, per lock id and per binding; key ids are stable 16-hex names', () => {
    const d1 = deriveDeviceKey(master, parseDeviceUid('01'));
    const d2 = deriveDeviceKey(master, parseDeviceUid('02'));
    expect(d1.equals(d2)).toBe(false);
    const l1 = deriveDeviceLockKey(d1, lockId);
    expect(l1.equals(deriveDeviceLockKey(d1, hex('0e'.repeat(16))))).toBe(false);
    expect(l1.equals(deriveModelKey(master, lockId))).toBe(false);
    expect(keyId(l1)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(l1)).toBe(keyId(Buffer.from(l1)));
    expect(keyId(l1)).not.toBe(keyId(deriveDeviceLockKey(d2, lockId)));
    expect(l1.toString('hex')).not.toContain(keyId(l1));
  });

  test('device uids must be hex bytes', () => {
    expect(parseDeviceUid(' 0A0b ').toString('hex')).toBe('0a0b');
    for (const bad of ['', 'abc', 'xyz1', '0x0a'])
      expect(() => parseDeviceUid(bad)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
