/**
 * Keys never leave in output: run keygen, lock, eval (right and wrong key) and the locked compile,
 * capture everything printed and every file written, and search all of it for the master key,
 * the device key and the lock key (raw bytes, hex in either case, base64).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadMnist } from '../../src/data/mnist';
import { deriveDeviceKey } from '../../src/keys/derive';
import { readKeyFile } from '../../src/keys/key-file';
import { compileLocked } from '../../src/lock/compile-locked';
import { readDescriptor } from '../../src/lock/descriptor';
import { lockKeyFor } from '../../src/lock/key-material';
import { readOnnx } from '../../src/onnx';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { ROOT, runCli } from '../helpers/cli';

const UID = '00a1b2c3d4e5f6070819a2b3c4d5e6f7';
const dir = mkdtempSync(join(tmpdir(), 'edgelock-noleak-'));
const keyFile = join(dir, 'master.key');
const printed: string[] = [];

/** Runs the built CLI as a user would and keeps everything it printed (stdout and stderr, error lines included). */
function cli(args: string[]): number {
  const r = runCli(args);
  printed.push(r.stdout, r.stderr);
  return r.status;
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

  expect(cli(['keygen', '-o', keyFile])).toBe(0);
  expect(cli(['keygen', '-o', keyFile, '--json'])).toBe(1); // refused: exists
  const model = join(ROOT, 'models', 'mnist-mlp.onnx');
  expect(cli(['lock', model, '-o', join(dir, 'seal.onnx'), '--key', keyFile, '--device-uid', UID])).toBe(0);
  expect(
    cli([
      'lock',
      model,
      '-o',
      join(dir, 'hpnn.onnx'),
      '--key',
      keyFile,
      '--device-uid',
      UID,
      '--scheme',
      'hpnn',
      '--json',
    ]),
  ).toBe(0);
  expect(cli(['lock', model, '-o', join(dir, 'model.onnx'), '--key', keyFile, '--model-key', '--json'])).toBe(0);
  // with the board's uid the locked models run; with another uid the key does not match
  const evalArgs = (f: string, uid: string) => [
    'eval',
    join(dir, f),
    '--data',
    join(dir, 'x.npy'),
    '--labels',
    join(dir, 'y.npy'),
    '--key',
    keyFile,
    '--device-uid',
    uid,
  ];
  for (const f of ['seal.onnx', 'hpnn.onnx']) {
    expect(cli([...evalArgs(f, UID), '--json'])).toBe(0);
    expect(cli(evalArgs(f, 'ff'.repeat(16)))).toBe(1);
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
      expect({ where: 'output', key: name, form: f.what, found: text.includes(f.bytes) }).toEqual({
        where: 'output',
        key: name,
        form: f.what,
        found: false,
      });
      for (const file of files) {
        const found = readFileSync(join(dir, file)).includes(f.bytes);
        expect({ file, key: name, form: f.what, found }).toEqual({ file, key: name, form: f.what, found: false });
      }
    }
  }
}, 120000);
