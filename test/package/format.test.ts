/**
 * The package format on the host: encode/decode round trip, tag verification under the derived package key
 * (checked against an HKDF/HMAC computed here from RFC 5869 / RFC 2104 primitives of node:crypto), alignment, and
 * every malformed input refused with E_PACKAGE_INVALID. The firmware's parser is exercised in test/factory.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'crypto';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { decodePackage, verifyPackageTag } from '../../src/package/decode';
import { encodePackage } from '../../src/package/encode';
import { HEADER_SIZE, RECORD_HEADER_SIZE, TAG_SIZE } from '../../src/package/format';
import { derivePackageKey } from '../../src/package/keys';
import { inspectPackage } from '../../src/inspect/package';
import { detectFormat } from '../../src/formats/detect';
import { fcModelOfSize } from '../device/models';
import { errorCodeOf } from '../helpers/error-code';
import { TEST_UID } from './support';

const master = Buffer.alloc(32, 7);
const uid = TEST_UID;
const model = fcModelOfSize(3, 3000);

const code = errorCodeOf;

describe('package format', () => {
  const built = buildPackage(model, { master, deviceUid: uid, version: '1.2.3-rc.1+build.5', securityCounter: 42 });
  const bytes = built.bytes;

  test('round trip: records, model in place at a 16-byte aligned offset, detected from its bytes', () => {
    expect(detectFormat(bytes)).toBe('elp');
    const p = decodePackage(bytes);
    expect(p.version).toBe('1.2.3-rc.1+build.5');
    expect(p.securityCounter).toBe(42);
    expect(p.deviceUid).toBe(uid.toString('hex'));
    expect(Buffer.compare(p.model, model)).toBe(0);
    expect(p.modelSha256).toBe(createHash('sha256').update(model).digest('hex'));
    const m = p.records.find((r) => r.name === 'model')!;
    expect(m.valueOffset % 16).toBe(0);
    expect(p.totalSize).toBe(bytes.length);
    expect(p.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(p.records.map((r) => r.name)).toEqual(['model', 'modelSha256', 'version', 'securityCounter', 'deviceUid']);
    expect(inspectPackage(bytes, 'x.elp').tag.valid).toBe('unknown');
  });

  test('tag = HMAC-SHA256(HKDF(device key, "", "edgelock package key v1"), bytes before it)', () => {
    const deviceKey = Buffer.from(hkdfSync('sha256', master, uid, Buffer.from('edgelock device key v1'), 32));
    const pkgKey = Buffer.from(
      hkdfSync('sha256', deviceKey, Buffer.alloc(0), Buffer.from('edgelock package key v1'), 32),
    );
    const tag = createHmac('sha256', pkgKey)
      .update(bytes.subarray(0, bytes.length - TAG_SIZE))
      .digest();
    expect(tag.equals(bytes.subarray(bytes.length - TAG_SIZE))).toBe(true);
    const p = decodePackage(bytes);
    expect(verifyPackageTag(p, pkgKey)).toBe(true);
    expect(verifyPackageTag(p, derivePackageKey(deriveDeviceKey(randomBytes(32), uid)))).toBe(false);
  });

  test('optional records: watermark commitment and wrapped model key are carried', () => {
    const b = encodePackage(
      {
        model,
        version: '1.0.0',
        securityCounter: 0,
        deviceUid: uid,
        watermarkCommitment: Buffer.alloc(32, 9),
        wrappedModelKey: Buffer.alloc(32, 1),
      },
      Buffer.alloc(32),
    );
    const p = decodePackage(b);
    expect(p.watermarkCommitment).toBe('09'.repeat(32));
    expect(p.wrappedModelKey!.equals(Buffer.alloc(32, 1))).toBe(true);
  });

  test('bad arguments are usage errors', () => {
    expect(code(() => buildPackage(model, { master, deviceUid: uid, version: '1.0', securityCounter: 1 }))).toBe(
      'E_USAGE',
    );
    expect(code(() => buildPackage(model, { master, deviceUid: uid, version: '1.0.0', securityCounter: -1 }))).toBe(
      'E_USAGE',
    );
    expect(
      code(() => buildPackage(model, { master, deviceUid: uid.subarray(0, 8), version: '1.0.0', securityCounter: 1 })),
    ).toBe('E_USAGE');
    expect(
      code(() =>
        buildPackage(Buffer.from('not a model at all'), {
          master,
          deviceUid: uid,
          version: '1.0.0',
          securityCounter: 1,
        }),
      ),
    ).toBe('E_FORMAT_MISMATCH');
  });

  const firstRecord = HEADER_SIZE;
  const modelRec = () => decodePackage(bytes).records.find((r) => r.name === 'model')!;
  const counterRec = () => decodePackage(bytes).records.find((r) => r.name === 'securityCounter')!;
  const versionRec = () => decodePackage(bytes).records.find((r) => r.name === 'version')!;
  const malformed: [string, (b: Buffer) => Buffer][] = [
    ['truncated below a header', (b) => b.subarray(0, 40)],
    ['truncated by one byte', (b) => b.subarray(0, b.length - 1)],
    ['one extra byte', (b) => Buffer.concat([b, Buffer.alloc(1)])],
    ['magic', (b) => ((b[0] ^= 1), b)],
    ['format version', (b) => (b.writeUInt16LE(2, 4), b)],
    ['header size', (b) => (b.writeUInt16LE(48, 6), b)],
    ['record count + 1', (b) => (b.writeUInt16LE(b.readUInt16LE(8) + 1, 8), b)],
    ['record count - 1', (b) => (b.writeUInt16LE(b.readUInt16LE(8) - 1, 8), b)],
    ['tag kind', (b) => ((b[10] = 2), b)],
    ['total size', (b) => (b.writeUInt32LE(b.length + 16, 12), b)],
    ['reserved header byte', (b) => ((b[20] = 1), b)],
    ['record type unknown', (b) => (b.writeUInt16LE(99, firstRecord), b)],
    ['record type duplicated', (b) => (b.writeUInt16LE(1, versionRec().offset), b)],
    ['record length past the end', (b) => (b.writeUInt32LE(0x7fffffff, firstRecord + 4), b)],
    ['record length shorter (padding not zero)', (b) => (b.writeUInt32LE(modelRec().length - 1, firstRecord + 4), b)],
    ['record reserved bytes', (b) => ((b[firstRecord + RECORD_HEADER_SIZE - 1] = 1), b)],
    ['fixed-size record of another size', (b) => (b.writeUInt32LE(8, counterRec().offset + 4), b)],
    ['model byte (model hash)', (b) => ((b[modelRec().valueOffset + 100] ^= 0x40), b)],
    ['version not semver', (b) => ((b[versionRec().valueOffset] = 0x78), b)],
  ];
  test.each(malformed)('malformed: %s → E_PACKAGE_INVALID', (_name, mutate) => {
    expect(code(() => decodePackage(mutate(Buffer.from(bytes))))).toBe('E_PACKAGE_INVALID');
  });

  test('a required record missing is refused', () => {
    // drop the device uid record (the last one) and fix the count and total size
    const p = decodePackage(bytes);
    const last = p.records[p.records.length - 1];
    expect(last.name).toBe('deviceUid');
    const b = Buffer.concat([bytes.subarray(0, last.offset), bytes.subarray(bytes.length - TAG_SIZE)]);
    b.writeUInt16LE(p.records.length - 1, 8);
    b.writeUInt32LE(b.length, 12);
    expect(code(() => decodePackage(b))).toBe('E_PACKAGE_INVALID');
  });
});
