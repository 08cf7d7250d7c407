/**
 * `edgelock attack --only distill --port` against a board whose package carries a query budget (host-sim, the real
 * firmware): the attacker asks for 60 labels, the board answers exactly 25 and then refuses with
 * E_DEVICE_QUERY_BUDGET; the report says so, the copy is trained on those 25 answers — the same copy, to the sample,
 * as the attack on the model file in the official TFLite runtime limited to the same 25 queries — and the victim's
 * own accuracy and checks are reported as not measured (the board refuses them too).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { compiledMnistModel } from '../device/models';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { provisionedBoard } from '../factory/flash-helpers';
import { runCli } from '../helpers/cli';

const BUDGET = 25;
let dir = '';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a board with a query budget: the copy learns from the answers given before the refusal', async () => {
  const { board, client, uid } = await provisionedBoard('host-sim', false);
  const master = randomBytes(32);
  const tflite = (await compiledMnistModel('mnist-lenet')).bytes;
  try {
    await client.keyWrite(deriveDeviceKey(master, uid));
    const pkg = buildPackage(tflite, {
      master,
      deviceUid: uid,
      version: '1.0.0',
      securityCounter: 1,
      queryLimits: { lifetime: BUDGET, perBoot: 0, rateCount: 0, rateWindowMs: 0 },
    }).bytes;
    await flashPackage(client, pkg);
  } finally {
    await client.close(); // the CLI opens the port itself
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-distill-budget-'));
  const file = path.join(dir, 'lenet.tflite');
  fs.writeFileSync(file, tflite);
  const args = (queries: number, extra: string[]) => [
    'attack',
    file,
    ...extra,
    '--only',
    'distill',
    '--arch',
    'mnist-mlp',
    '--labels',
    'hard',
    '--queries',
    String(queries),
    '--epochs',
    '10',
    '--seed',
    '4',
    '--threads',
    '1',
    '--test-limit',
    '200',
  ];
  const onBoard = runCli([...args(60, ['--port', board.port]), '--json']);
  expect(onBoard.stderr).toBe('');
  expect(onBoard.status).toBe(0);
  const b = JSON.parse(onBoard.stdout);
  expect(b.victim.kind).toBe('board');
  expect(b.attacker).toMatchObject({
    queriesRequested: 60,
    queries: 60,
    answered: BUDGET,
    refusal: `E_DEVICE_QUERY_BUDGET: lifetime ${BUDGET} of ${BUDGET}`,
  });
  expect(b.victim.accuracy).toBeNull();
  expect(b.copy.agreement).toBeNull();
  for (const o of b.ownership) expect(o.victim).toMatchObject({ status: 'skipped' });

  // the reference: the same attacker on the file in the TFLite runtime, asking only the first 25 of the same queries
  const inRuntime = runCli([...args(BUDGET, []), '--json']);
  expect(inRuntime.status).toBe(0);
  const f = JSON.parse(inRuntime.stdout);
  expect(f.attacker).toMatchObject({ queries: BUDGET, answered: BUDGET });
  expect(f.attacker.refusal).toBeUndefined();
  expect(b.victimQueryAccuracy).toBe(f.victimQueryAccuracy);
  expect(b.copy.accuracy).toBe(f.copy.accuracy);
  console.log(
    `budget ${BUDGET}: ${b.attacker.answered}/60 answered (${b.attacker.refusal}), copy ${b.copy.accuracy} (file: ${f.copy.accuracy})`,
  );

  // the text report: the board has nothing left to answer, so the table says what was and was not measured
  const text = runCli(args(60, ['--port', board.port]));
  expect(text.status).toBe(0);
  expect(text.stdout).toMatch(/queries answered +0, then refused \(E_DEVICE_QUERY_BUDGET: lifetime 25 of 25\)/);
  expect(text.stdout).toMatch(/victim test accuracy \(200 samples\) +not measured: the victim refuses queries/);
}, 600_000);
