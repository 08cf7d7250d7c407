/**
 * The extraction attack against a board with a query budget, CI-sized (the full table in docs/security.md comes from
 * scripts/query-budget-extraction.ts): the int8 MNIST LeNet on host-sim, packaged with --max-queries 30 and 90 and
 * without limits; the attacker asks for 150 labels each time. The board answers exactly the budget, then refuses
 * with E_DEVICE_QUERY_BUDGET; the answers it gave are the model's own (the TFLite runtime's arg-max on the same
 * bytes); the copy is trained on exactly those labels.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { queryUntilRefused } from '../../src/attack/budgeted-board';
import { extractionVersusBudget } from '../../src/bench/query-budget';
import { loadMnist } from '../../src/data/mnist';
import { flashPackage } from '../../src/factory/flash';
import { readOnnx } from '../../src/onnx';
import { buildPackage } from '../../src/package/build';
import { TfliteOracle } from '../../src/tflite/oracle';
import { quantizeAffine } from '../../src/tflite/affine';
import { deriveDeviceKey } from '../../src/keys/derive';
import { compiledMnistModel } from '../device/models';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { provisionedBoard } from '../factory/flash-helpers';

const ROOT = path.resolve(__dirname, '../..');

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

test('a distillation attacker gets exactly the budget in answers from the board, then E_DEVICE_QUERY_BUDGET', async () => {
  const { client, uid } = await provisionedBoard('host-sim', false);
  const master = randomBytes(32);
  await client.keyWrite(deriveDeviceKey(master, uid));
  try {
    const tflite = (await compiledMnistModel('mnist-lenet')).bytes;
    const train = loadMnist('train');
    const test = loadMnist('test');
    const per = 28 * 28;
    const pool = { x: train.images.subarray(0, 150 * per), labels: train.labels.subarray(0, 150), count: 150 };

    // the answers are the deployed model's: the board's labels equal the TFLite runtime's on the same int8 bytes
    const pkg = buildPackage(tflite, {
      master,
      deviceUid: uid,
      version: '1.0.0',
      securityCounter: 1,
      queryLimits: { lifetime: 12, perBoot: 0, rateCount: 0, rateWindowMs: 0 },
    }).bytes;
    const { slot } = await flashPackage(client, pkg);
    const q = await queryUntilRefused(client, slot, pool.x, 20);
    expect(q.labels.length).toBe(12);
    expect(q.refusal).toMatchObject({ code: 'E_DEVICE_QUERY_BUDGET', kind: 'lifetime', limit: 12, used: 12 });
    const input = (await client.modelIo(slot)).inputs[0];
    const oracle = await TfliteOracle.load(tflite);
    try {
      const ref = Array.from({ length: 12 }, (_, i) => {
        const x = quantizeAffine(pool.x.subarray(i * per, (i + 1) * per), input.scale, input.zeroPoint);
        const o = Array.from(oracle.run([{ data: Int32Array.from(x), shape: input.shape, dtype: 'int8' }])[0].data);
        return o.indexOf(Math.max(...o));
      });
      expect(Array.from(q.labels)).toEqual(ref);
    } finally {
      oracle.dispose();
    }

    const rows = await extractionVersusBudget({
      client,
      master,
      deviceUid: uid,
      tflite,
      architecture: readOnnx(fs.readFileSync(path.join(ROOT, 'models', 'mnist-lenet.onnx'))),
      pool,
      test: { x: test.images.subarray(0, 500 * per), labels: test.labels.subarray(0, 500), count: 500 },
      budgets: [30, 90, null],
      samplesSeen: 300,
      minEpochs: 1,
      maxEpochs: 10,
      seed: 3,
      threads: 1,
      firstCounter: 2,
    });
    expect(rows.map((r) => [r.budget, r.asked, r.answered, r.refusal])).toEqual([
      [30, 150, 30, 'E_DEVICE_QUERY_BUDGET'],
      [90, 150, 90, 'E_DEVICE_QUERY_BUDGET'],
      [null, 150, 150, null],
    ]);
    console.log(
      `extraction vs budget (CI size, 500 test ` +
        `images): ${rows.map((r) => `${r.budget ?? 'none'} → ${r.answered} answers, copy ${(100 * r.copyAccuracy).toFixed(1)}%`).join('; ')}`,
    );
  } finally {
    await client.close().catch(() => undefined);
  }
}, 300_000);
