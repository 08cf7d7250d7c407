/**
 * Extraction accuracy versus the board's query budget (numbers for docs/security.md, "Query limits"):
 *   npx tsx scripts/query-budget-extraction.ts [--board host-sim] [--budgets 100,300,1000,6000,none] [--pool 10000]
 *     [--victim-samples 10000] [--samples-seen 60000] [--min-epochs 10] [--max-epochs 600] [--threads 2] [--seed 5]
 *     [--out /tmp/query-budget.json]
 * Compiles models/mnist-lenet.onnx to int8 (200 MNIST training images for calibration), starts a board, provisions it,
 * measures the victim on the board (a package without limits, the 10,000 MNIST test images), and per budget flashes a
 * package with --max-queries <budget> (next security counter each) and runs the attacker:
 * RUN on the first --pool MNIST training images until the board refuses, then a fresh LeNet distilled from the answered
 * labels (epochs so that each copy sees about --samples-seen samples), scored on the 10,000 MNIST test images.
 * Prints a Markdown table; writes the rows as JSON.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extractionVersusBudget } from '../src/bench/query-budget';
import { startBoard, stopBoard } from '../src/board';
import { compileModel } from '../src/compiler/compile';
import { loadMnist } from '../src/data/mnist';
import { DeviceClient } from '../src/device/client';
import { deriveDeviceKey } from '../src/keys/derive';
import { readOnnx } from '../src/onnx';
import { flashPackage } from '../src/factory/flash';
import { buildPackage } from '../src/package/build';
import { queryUntilRefused } from '../src/attack/budgeted-board';
import { arg, log } from './support/args';

async function main(): Promise<void> {
  const boardName = arg('board', 'host-sim');
  const budgets = arg('budgets', '100,300,1000,6000,none')
    .split(',')
    .map((b) => (b === 'none' ? null : Number(b)));
  const poolSize = Number(arg('pool', '10000'));
  const out = arg('out', '/tmp/query-budget.json');
  const modelFile = 'models/mnist-lenet.onnx';
  const onnx = fs.readFileSync(modelFile);
  const train = loadMnist('train');
  const test = loadMnist('test');
  const per = 28 * 28;
  const compiled = await compileModel(onnx, {
    precision: 'int8',
    io: 'int8',
    calibration: { data: train.images.subarray(0, 200 * per), count: 200, sampleShape: [1, 28, 28] },
  });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-query-budget-'));
  const board = await startBoard({ board: boardName, stateDir });
  const client = await DeviceClient.open(board.port);
  const master = randomBytes(32);
  try {
    const uid = Buffer.from((await client.info()).uid, 'hex');
    await client.keyWrite(deriveDeviceKey(master, uid));
    // the victim as deployed: the board's own answers on the test set, from a package without limits
    const { slot } = await flashPackage(
      client,
      buildPackage(compiled.bytes, { master, deviceUid: uid, version: '1.0.0', securityCounter: 1 }).bytes,
    );
    const victimSamples = Math.min(test.count, Number(arg('victim-samples', String(test.count))));
    const answers = (await queryUntilRefused(client, slot, test.images, victimSamples)).labels;
    const victimAccuracy = answers.filter((l, i) => l === test.labels[i]).length / victimSamples;
    log(
      `victim ${modelFile} int8 on ${boardName}: ${(100 * victimAccuracy).toFixed(2)}% on ${victimSamples} MNIST test images`,
    );
    const rows = await extractionVersusBudget({
      client,
      master,
      deviceUid: uid,
      tflite: compiled.bytes,
      architecture: readOnnx(onnx),
      pool: {
        x: train.images.subarray(0, poolSize * per),
        labels: train.labels.subarray(0, poolSize),
        count: poolSize,
      },
      test: { x: test.images, labels: test.labels, count: test.count },
      budgets,
      firstCounter: 2,
      samplesSeen: Number(arg('samples-seen', '60000')),
      minEpochs: Number(arg('min-epochs', '10')),
      maxEpochs: Number(arg('max-epochs', '600')),
      seed: Number(arg('seed', '5')),
      threads: Number(arg('threads', '2')),
      log,
    });
    fs.writeFileSync(out, JSON.stringify({ board: boardName, victimAccuracy, victimSamples, poolSize, rows }, null, 2));
    const lines = [
      `victim: ${modelFile} int8 on ${boardName}, ${(100 * victimAccuracy).toFixed(2)}% on ${victimSamples} MNIST test images`,
      '',
      '| package budget (`--max-queries`) | queries asked | answered | then | copy epochs | copy accuracy (MNIST test) |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.budget ?? 'no limit'} | ${r.asked} | ${r.answered} | ${r.refusal ?? '-'} | ${r.epochs} | ${(100 * r.copyAccuracy).toFixed(2)}% |`,
      ),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await client.close().catch(() => undefined);
    await stopBoard(board.pid).catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
