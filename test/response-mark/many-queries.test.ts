/**
 * A copy trained on many queries carries the response mark where neither count sees it (docs/watermark.md, "Copies
 * trained on many queries: the log-ratio"). The zoo LeNet answers 30,000 MNIST-train queries as a marking board does
 * (host-marking.ts: the TFLite runtime's scores with the board's keyed decision, byte for byte the firmware's by
 * board-agreement.test.ts), at 0.5% calibrated on MNIST test. An MLP student trained 5 epochs on the soft labels makes the
 * keyed class the most probable eligible class on few marked codes, so the lead count alone does not name the board.
 * It does give the keyed class more probability than the base model does, and the log-ratio names the board among 10.
 * The zoo MLP (trained on true labels, no key) is not flagged.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { answersFromScores } from '../../src/attack/distill';
import { trainCopy } from '../../src/attack/distill';
import { pickQueries } from '../../src/attack/extraction';
import { onnxVictim, tfliteVictim } from '../../src/attack/victim';
import { loadMnist } from '../../src/data/mnist';
import { readOnnx } from '../../src/onnx';
import { writeOnnx } from '../../src/onnx/writer';
import { RESPONSE_MARK_DEFAULTS, ResponseMarkParams } from '../../src/package/response-mark';
import { responseMarkKey } from '../../src/response-mark/decision';
import { hostMarking } from '../../src/response-mark/host-marking';
import { loadMarkPool } from '../../src/response-mark/pool';
import { calibrateBoard, loadMarkReference } from '../../src/response-mark/reference';
import { MarkCandidate, PARTS, verifyResponseMark } from '../../src/response-mark/verify';

const ROOT = join(__dirname, '../..');
const base = new Uint8Array(readFileSync(join(ROOT, 'test/watermark/fixtures/mnist-lenet-wm.tflite')));
const master = createHash('sha256').update('edgelock many-queries test master key').digest();
const uid = (i: number) => createHash('sha256').update(`many-queries board ${i}`).digest().subarray(0, 16);
const QUERIES = 30000;

test('a soft-label copy from 30,000 queries: not named by the lead count, named by the log-ratio', async () => {
  const params: ResponseMarkParams = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };
  const reference = await loadMarkReference(base, ['mnist-test'], params);
  const candidates: MarkCandidate[] = Array.from({ length: 10 }, (_, i) => {
    const key = responseMarkKey(master, uid(i));
    return { uid: uid(i).toString('hex'), key, ratePpm: calibrateBoard(key, params.ratePpm, reference).ratePpm };
  });
  // the attacker: a seeded order of MNIST train without the owner's first 500 images, soft labels (T = 4)
  const train = loadMnist('train');
  const q = pickQueries(
    { x: train.images, labels: train.labels, count: train.count },
    QUERIES,
    Array.from({ length: 500 }, (_, i) => i),
    1,
  );
  const victim = await tfliteVictim(base, 'board 3');
  const board = hostMarking(victim, base, { ...params, ratePpm: candidates[3].ratePpm! }, candidates[3].key);
  const scores = await board(q.x, q.count);
  victim.dispose();
  const arch = readOnnx(readFileSync(join(ROOT, 'models/mnist-mlp.onnx')));
  const copy = await trainCopy(arch, q.x, q.count, answersFromScores(scores, q.count, 10, 'soft'), {
    epochs: 5,
    lr: 0.0125,
    seed: 1,
  });
  const suspect = await onnxVictim(writeOnnx(copy), 'copy');
  const pool = await loadMarkPool(base, ['mnist-train'], params);
  try {
    const r = await verifyResponseMark({ pool, params, candidates, suspect });
    const mine = r.candidates.find((c) => c.uid === candidates[3].uid)!;
    const text =
      `lead ${mine.matches}/${mine.trials} (${mine.expected.toFixed(1)}) p ${mine.leadP!.toExponential(1)}; ` +
      `weighted lead p ${mine.weightedLead!.p.toExponential(1)}; ` +
      mine
        .logRatio!.map(
          (x) =>
            `e^-${x.floor}: ${x.sum.toFixed(1)} (${x.expected.toFixed(1)} ± ${x.sd.toFixed(1)}) p ${x.p.toExponential(1)}`,
        )
        .join(', ');
    console.log(`copy from ${QUERIES} soft labels: ${text}; family p ${mine.familyP.toExponential(1)}`);
    // the lead count alone (its own family over 10 boards) would not name it
    expect(mine.leadP! * candidates.length).toBeGreaterThan(1e-6);
    expect(Math.min(...mine.logRatio!.map((x) => x.p)) * PARTS * candidates.length).toBeLessThanOrEqual(1e-6);
    expect(r.named).toEqual([candidates[3].uid]);
    expect(r.null.holds).toBe(true);
    for (const c of r.candidates.filter((c) => c !== mine)) expect(c.familyP).toBeGreaterThan(1e-3);
    // a model trained on true labels without any key: nobody named, on any part
    const zoo = await onnxVictim(readFileSync(join(ROOT, 'models/mnist-mlp.onnx')), 'zoo MLP');
    const z = await verifyResponseMark({ pool, params, candidates, suspect: zoo });
    zoo.dispose();
    expect(z.named).toEqual([]);
    expect(z.namedTogether).toEqual([]);
    for (const c of z.candidates) expect(c.familyP).toBeGreaterThan(1e-3);
  } finally {
    suspect.dispose();
    pool.dispose();
    for (const c of candidates) c.key.fill(0);
  }
}, 600_000);
