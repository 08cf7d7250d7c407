/**
 * `edgelock verify` with the owner watermark (the built CLI, a host-sim board): the watermarked zoo LeNet
 * (test/watermark/fixtures) is packaged for the board, flashed, and verified: genuine device (attestation, its MAC
 * recomputed here with node:crypto HKDF/HMAC), genuine model (the package hash the board attests is the package's
 * SHA-256), and the owner's watermark present (triggers run on the board, p-value). Another owner id on the same
 * board: watermark not present, exit code 1.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DeviceClient, withDevice } from '../../src/device/client';
import { freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { jsonLines, packageArgs, runCli } from '../helpers/cli';

const FIXTURE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const work = freshStateDir('verify');
const masterFile = path.join(work, 'master.key');
const ownerKeyFile = path.join(work, 'owner.key');
const pkgFile = path.join(work, 'board.elp');
let port = '';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

beforeAll(async () => {
  expect(runCli(['keygen', '-o', masterFile]).status).toBe(0);
  fs.writeFileSync(ownerKeyFile, createHash('sha256').update('edgelock watermark robustness demo key').digest(), {
    mode: 0o600,
  });
  const b = await startTestBoard('host-sim');
  port = b.port;
  const master = fs.readFileSync(masterFile);
  const uid = await withDevice(port, async (c) => {
    const id = (await c.info()).uid;
    await c.keyWrite(
      Buffer.from(hkdfSync('sha256', master, Buffer.from(id, 'hex'), Buffer.from('edgelock device key v1'), 32)),
    );
    return id;
  });
  const p = runCli([...packageArgs(FIXTURE, pkgFile, masterFile, uid, { version: '2.0.0' }), '--json']);
  expect(p.status).toBe(0);
  expect(JSON.parse(p.stdout)).toMatchObject({
    watermarked: true,
    records: expect.arrayContaining(['watermarkCommitment']),
  });
  expect(runCli(['flash', '--port', port, pkgFile]).status).toBe(0);
}, 120000);

test('the attestation MAC is HMAC(device key, nonce ‖ uid ‖ package SHA-256 ‖ firmware flags ‖ dev models)', async () => {
  const master = fs.readFileSync(masterFile);
  await withDevice(port, async (c: DeviceClient) => {
    const nonce = randomBytes(32);
    const f = (await c.call('ATTEST', { nonce })).fields;
    const uid = f.uid as Buffer;
    const deviceKey = Buffer.from(hkdfSync('sha256', master, uid, Buffer.from('edgelock device key v1'), 32));
    const pkgSha = createHash('sha256').update(fs.readFileSync(pkgFile)).digest();
    expect((f.package_sha256 as Buffer).equals(pkgSha)).toBe(true);
    expect([f.firmware_flags, f.dev_models]).toEqual([0, 0]); // production firmware, no development upload
    expect(
      (f.mac as Buffer).equals(
        createHmac('sha256', deviceKey)
          .update(Buffer.concat([nonce, uid, pkgSha, Buffer.from([0, 0])]))
          .digest(),
      ),
    ).toBe(true);
    expect((f.version as Buffer).toString()).toBe('2.0.0');
  });
});

test('genuine device, genuine model, owner watermark present', () => {
  const r = runCli([
    'verify',
    '--port',
    port,
    '--key',
    masterFile,
    '--owner',
    'acme-vision',
    '--owner-key',
    ownerKeyFile,
    '--data',
    'mnist-train',
    '--params',
    pkgFile,
    '--json',
  ]);
  expect(r.status).toBe(0);
  const res = jsonLines(r.stdout).find((e) => e.event === 'result')!.result;
  expect(res).toMatchObject({
    verdict: 'genuine',
    genuineDevice: true,
    genuineModel: true,
    version: '2.0.0',
    watermark: { owner: 'acme-vision', detected: true, triggers: 100, commitment: 'match' },
  });
  expect(res.packageSha256).toBe(createHash('sha256').update(fs.readFileSync(pkgFile)).digest('hex'));
  expect(res.watermark.pValue).toBeLessThanOrEqual(1e-9);
}, 120000);

test('another owner id: watermark not present, exit code 1', () => {
  const r = runCli([
    'verify',
    '--port',
    port,
    '--key',
    masterFile,
    '--owner',
    'acme-visio',
    '--owner-key',
    ownerKeyFile,
    '--data',
    'mnist-train',
    '--params',
    FIXTURE,
  ]);
  expect(r.status).toBe(1);
  expect(r.stdout + r.stderr).toMatch(/owner 'acme-visio' watermark NOT present/);
  const usage = runCli(['verify', '--port', port, '--key', masterFile, '--owner', 'x']);
  expect(usage.stderr).toMatch(/E_USAGE.*--data/);
}, 120000);
