/**
 * A product-line locked model (`--model-key`: one locked image, the model key wrapped to each device in its
 * package) flashed onto a host-sim board: the firmware unwraps the key from the package record, unseals the
 * weights and runs bit-exact with the plain int8 compile of the same weights (loaded into the other slot), and
 * within one quantisation step of the official TFLite runtime on the unlocked model. An authentic package with a
 * wrong wrapped key, or without one, activates (the tag is fine) but the model refuses to run (E_LOCK_KEY_MISMATCH).
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CompileOptions, compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { compileLocked } from '../../src/lock/compile-locked';
import { lockModel, unlockModel } from '../../src/lock/lock-model';
import { readTfliteDescriptor } from '../../src/lock/tflite-lock';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { decodePackage } from '../../src/package/decode';
import { encodePackage } from '../../src/package/encode';
import { derivePackageKey } from '../../src/package/keys';
import { DEV, removeRunRoot, stopAllBoards } from '../device/helpers';
import { mnistInt8Options } from '../device/models';
import { errorCode, master, oracleOutput, pkg, provisionedBoard } from './flash-helpers';

const ROOT = path.resolve(__dirname, '../..');

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

const compileOptions = (): CompileOptions => mnistInt8Options(8);

function mnistInt8(index: number, scale: number, zeroPoint: number): Int8Array {
  const m = loadMnist('test');
  return Int8Array.from(m.images.subarray(index * 784, (index + 1) * 784), (v) =>
    Math.max(-128, Math.min(127, Math.round(v / scale) + zeroPoint)),
  );
}

test('model-key locked MLP: wrapped key in the package, unsealed on the board, bit-exact with the plain compile', async () => {
  const onnx = readOnnx(fs.readFileSync(path.join(ROOT, 'models', 'mnist-mlp.onnx')));
  const lockedOnnx = writeOnnx(lockModel(onnx, { master }, { binding: 'model' }).model);
  const locked = (await compileLocked(lockedOnnx, { master }, compileOptions())).bytes;
  const plain = (await compileModel(writeOnnx(unlockModel(readOnnx(lockedOnnx), { master })), compileOptions())).bytes;
  expect(readTfliteDescriptor(locked)!.binding).toBe('model');

  const { client, uid } = await provisionedBoard('host-sim', true, DEV); // the plain model goes in by development upload
  try {
    const good = pkg(locked, uid, '1.0.0', 1);
    const d = decodePackage(good);
    expect(d.wrappedModelKey).toHaveLength(32);
    expect(d.lockDescriptor).toBeDefined();
    expect((await flashPackage(client, good)).slot).toBe(0);
    await client.loadModelDev(Buffer.from(plain), 1);
    const io = await client.modelIo(0);
    for (const img of [0, 1, 2]) {
      const x = mnistInt8(img, io.inputs[0].scale, io.inputs[0].zeroPoint);
      const lockedOut = Array.from((await client.run(0, x)).outputs[0].int8);
      expect(lockedOut).toEqual(Array.from((await client.run(1, x)).outputs[0].int8));
      const ref = await oracleOutput(plain, x, io.inputs[0].shape);
      lockedOut.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1));
    }

    // Authentic packages (tag under this board's package key) whose wrapped key is wrong or missing.
    const pkgKey = derivePackageKey(deriveDeviceKey(master, uid));
    const base = { model: locked, deviceUid: uid, lockDescriptor: d.lockDescriptor };
    const wrongKey = encodePackage(
      { ...base, version: '1.0.1', securityCounter: 1, wrappedModelKey: randomBytes(32) },
      pkgKey,
    );
    const slot = (await flashPackage(client, wrongKey)).slot;
    expect(await errorCode(client.run(slot, mnistInt8(0, io.inputs[0].scale, io.inputs[0].zeroPoint)))).toBe(
      'E_LOCK_KEY_MISMATCH',
    );
    const noKey = encodePackage({ ...base, version: '1.0.2', securityCounter: 1 }, pkgKey);
    const slot2 = (await flashPackage(client, noKey)).slot;
    expect(await errorCode(client.run(slot2, mnistInt8(0, io.inputs[0].scale, io.inputs[0].zeroPoint)))).toBe(
      'E_LOCK_KEY_MISMATCH',
    );
  } finally {
    await client.close();
  }
}, 120000);
