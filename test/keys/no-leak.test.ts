/**
 * Keys never leave in output: run keygen, lock, eval (right and wrong key) and the locked compile,
 * capture everything printed and every file written, and search all of it for the master key,
 * the device key and the lock key (raw bytes, hex in either case, base64).
 */
import { Command } from 'commander';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { register as registerEval } from '../../src/cli/commands/eval';
import { register as registerKeygen } from '../../src/cli/commands/keygen';
import { register as registerLock } from '../../src/cli/commands/lock';
import { loadMnist } from '../../src/data/mnist';
import { asEdgelockError } from '../../src/errors';
import { deriveDeviceKey } from '../../src/keys/derive';
import { readKeyFile } from '../../src/keys/key-file';
import { compileLocked } from '../../src/lock/compile-locked';
import { readDescriptor } from '../../src/lock/descriptor';
import { lockKeyFor } from '../../src/lock/key-material';
import { readOnnx } from '../../src/onnx';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';

const UID = '00a1b2c3d4e5f607';
const dir = mkdtempSync(join(tmpdir(), 'edgelock-noleak-'));
const keyFile = join(dir, 'master.key');
const printed: string[] = [];

async function cli(args: string[]): Promise<void> {
  const program = new Command('edgelock').exitOverride().configureOutput({ writeOut: (s) => printed.push(s), writeErr: (s) => printed.push(s) });
  registerKeygen(program);
  registerLock(program);
  registerEval(program);
  for (const c of program.commands) c.exitOverride();
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (printed.push(String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (printed.push(String(s)), true));
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    const ee = asEdgelockError(e);
    printed.push(ee.toLine(), JSON.stringify(ee.toJSON()));
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function forms(key: Buffer): { what: string; bytes: Buffer }[] {
  return [
    { what: 'raw', bytes: key },
    { what: 'hex', bytes: Buffer.from(key.toString('hex')) },
    { what: 'HEX', bytes: Buffer.from(key.toString('hex').toUpperCase()) },
    { what: 'base64', bytes: Buffer.from(key.toString('base64')) },
    { what: 'hex prefix', bytes: Buffer.from(key.subarray(0, 12).toString('hex')) },
  ];
}

test('no key material in anything printed or written', async () => {
  const m = loadMnist('test');
  writeNpy(join(dir, 'x.npy'), makeTensor('float32', [20, 1, 28, 28], m.images.slice(0, 20 * 784)));
  writeNpy(join(dir, 'y.npy'), makeTensor('int32', [20], Array.from(m.labels.subarray(0, 20))));

  await cli(['keygen', '-o', keyFile]);
  await cli(['keygen', '-o', keyFile, '--json']); // refused: exists
  const model = join(__dirname, '..', '..', 'models', 'mnist-mlp.onnx');
  await cli(['lock', model, '-o', join(dir, 'seal.onnx'), '--key', keyFile, '--device-uid', UID]);
  await cli(['lock', model, '-o', join(dir, 'hpnn.onnx'), '--key', keyFile, '--device-uid', UID, '--scheme', 'hpnn', '--json']);
  await cli(['lock', model, '-o', join(dir, 'model.onnx'), '--key', keyFile, '--model-key', '--json']);
  for (const f of ['seal.onnx', 'hpnn.onnx']) {
    await cli(['eval', join(dir, f), '--data', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--key', keyFile, '--device-uid', UID, '--json']);
    await cli(['eval', join(dir, f), '--data', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--key', keyFile, '--device-uid', 'ffff']);
  }
  const master = readKeyFile(keyFile);
  const lockedBytes = readFileSync(join(dir, 'seal.onnx'));
  const d = readDescriptor(readOnnx(lockedBytes))!;
  const material = { master, deviceUid: Buffer.from(UID, 'hex') };
  const compiled = await compileLocked(lockedBytes, material, { precision: 'float32' });
  writeFileSync(join(dir, 'seal.tflite'), compiled.bytes);
  printed.push(JSON.stringify(compiled.summary), JSON.stringify(compiled.lock));

  const secrets = {
    master,
    device: deriveDeviceKey(master, Buffer.from(UID, 'hex')),
    lock: lockKeyFor(material, 'device', Buffer.from(d.lockId, 'hex')),
  };
  const text = Buffer.from(printed.join('\n'));
  // the search itself finds a key where one is (a control for the negative checks below)
  for (const f of forms(secrets.lock)) expect(Buffer.concat([text, f.bytes]).includes(f.bytes)).toBe(true);
  expect(text.toString()).toContain('key id');
  expect(text.toString()).toContain('E_LOCK_KEY_MISMATCH');
  expect(text.toString()).toContain('E_KEY_EXISTS');
  const files = readdirSync(dir).filter((f) => f !== 'master.key');
  expect(files).toEqual(expect.arrayContaining(['seal.onnx', 'hpnn.onnx', 'model.onnx', 'seal.tflite']));
  for (const [name, key] of Object.entries(secrets)) {
    for (const f of forms(key)) {
      expect({ where: 'output', key: name, form: f.what, found: text.includes(f.bytes) }).toEqual({ where: 'output', key: name, form: f.what, found: false });
      for (const file of files) {
        const found = readFileSync(join(dir, file)).includes(f.bytes);
        expect({ file, key: name, form: f.what, found }).toEqual({ file, key: name, form: f.what, found: false });
      }
    }
  }
}, 120000);
