/**
 * Black-box tracing of a fine-tuned copy against the base model fine-tuned on the owner's own inputs
 * (src/trace/tuned-reference.ts, `edgelock trace --tune-data`; docs/security.md "Fine-tuned references"). On the zoo
 * DS-CNN (keyword spotting, no quiet carriers), a board's model fine-tuned by the thief on 6,000 training samples
 * (2 epochs, SGD lr 0.01) is named by nobody from 300 answers read against the base model; read against the base
 * fine-tuned on 6,000 other samples (labelled by the base model, several runs averaged) it is named among 100 boards.
 * A stranger's fine-tuned copy names nobody, and a dump whose answers the base model explains is read against the
 * base as before.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { deriveTraceKey } from '../../src/keys/derive';
import { fineTune } from '../../src/trace/attacks';
import { embedTraceCode } from '../../src/trace/embed';
import { toModelInputs } from '../../src/trace/natural-inputs';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { traceLeak, TraceResult } from '../../src/trace/trace';
import { TuneData } from '../../src/trace/tuned-reference';
import { modelScores } from '../../src/trace/victims';
import { readTflite } from '../../src/tflite/reader';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { keyDir, runCli } from '../helpers/cli';
import { compileOnTask, taskInputs } from '../helpers/synthetic-zoo';
import { simulatedUids } from '../helpers/mnist-boards';

const MASTER = createHash('sha256').update('edgelock tuned reference test master').digest();
const uids = simulatedUids('7e0e', 100);
const Q = 300;
let base: Uint8Array;
let probes: Float32Array;
let tune: TuneData;
const train = syntheticTask('kws-dscnn', 'train', 12000);
const size = train.data.length / train.count;
/** the thief's data: the first 6,000 training samples (the owner tunes on the next 6,000) */
const thief = {
  x: train.data.subarray(0, 6000 * size),
  labels: Uint8Array.from(train.labels.subarray(0, 6000)),
  count: 6000,
};

beforeAll(async () => {
  base = await compileOnTask('kws-dscnn');
  probes = taskInputs(base, 'kws-dscnn', 'test', Q);
  tune = { x: toModelInputs(readTflite(base), train.data.subarray(6000 * size), 6000, train.sampleShape), count: 6000 };
}, 120_000);

const marked = (uid: string) =>
  embedTraceCode(base, deriveTraceKey(MASTER), Buffer.from(uid, 'hex'), DEFAULT_TRACE_PARAMS).bytes;
async function trace(leak: Uint8Array, withTune: boolean): Promise<TraceResult> {
  const answers = await modelScores(leak, probes, Q);
  return traceLeak({
    base,
    master: MASTER,
    candidates: [{ uids, params: DEFAULT_TRACE_PARAMS }],
    alpha: 1e-6,
    blackBox: { probes, count: Q, victim: async () => answers, hardLabels: false, ...(withTune ? { tune } : {}) },
  });
}

test('a fine-tuned copy, named by nobody against the base model, is named against the base fine-tuned by the owner', async () => {
  const d = 23;
  const leak = fineTune(marked(uids[d]), thief, { epochs: 2, lr: 0.01, seed: 5 });
  const plain = await trace(leak, false);
  expect(plain.named).toEqual([]);
  expect(plain.tunedReference).toBeUndefined();
  const tuned = await trace(leak, true);
  expect(tuned.tunedReference).toEqual({ lr: 0.01, runs: 3 });
  // measured: z 2.10 against the base model, 6.55 against the tuned reference (the bar at 100 boards: 6.07)
  expect(tuned.named.map((n) => n.uid)).toEqual([uids[d]]);
}, 1_200_000);

test("the null holds: a stranger's fine-tuned copy names nobody; a dump is read against the base model", async () => {
  const stranger = fineTune(marked('ab'.repeat(16)), thief, { epochs: 2, lr: 0.01, seed: 6 });
  const r = await trace(stranger, true);
  expect(r.tunedReference).toBeDefined();
  expect(r.named).toEqual([]);
  expect(r.best.z).toBeLessThan(5);
  const dump = await trace(marked(uids[4]), true);
  expect(dump.tunedReference).toBeUndefined();
  expect(dump.named.map((n) => n.uid)).toEqual([uids[4]]);
}, 1_200_000);

test('edgelock trace --tune-data is refused for a white-box trace and for decisions (E_USAGE)', () => {
  const { dir, key } = keyDir('el-tuned-', MASTER);
  const file = path.join(dir, 'kws.tflite');
  fs.writeFileSync(file, base);
  const devices = path.join(dir, 'devices.txt');
  fs.writeFileSync(devices, uids.join('\n') + '\n');
  const common = ['trace', '--base', file, '--key', key, '--devices', devices, '--model', file, '--tune-data', 'x.npy'];
  for (const extra of [[], ['--black-box', '--hard-labels']]) {
    const r = runCli([...common, ...extra]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe('error E_USAGE: --tune-data is for a black-box trace on scores (--port or --black-box)\n');
  }
});
