/**
 * Trigger units, measured: a per-board trace read black-box from decisions alone that survives fine-tuning
 * (docs/security.md, "Trigger units"). It runs src/trace/units/ (what `edgelock trace-units`, `package --trace` and `edgelock trace` use):
 *   npx tsx scripts/trace-units-measure.ts --base <compiled int8 .tflite> --architecture <its ONNX, e.g.
 *     models/mnist-lenet.onnx> [--units 16] [--pixels 48] [--epochs 5] [--lr 0.005] [--ce 1] [--room path|least-used]
 *     [--widen 2.5 (path) | 1.5 (least-used)]
 *     [--votes 20] [--read-votes <n>] [--seed 77] [--devices 2] [--candidates 1000] [--acc-n 10000] [--attacks no]
 *     [--save-owner <owner.tflite> | --owner <owner.tflite>] [--fine-tunes epochs:lr,…]
 *
 * Owner, once per model (nothing per board), by default a detector path (--room path; LeNet about 90 s, the MLP 20 s
 * on this machine):
 *   - every hidden dense layer of the model's dense tail gets K new units that read everything their layer reads and
 *     that only the next layer's new units read (src/trace/units/widen.ts); only they train, so the model's answers to
 *     natural inputs do not change;
 *   - K keyed stamps (P input values set to 1, the input's maximum; positions from SHA-256 counter mode over the trace
 *     key) are drawn. New unit k of each layer is trained to fire on any image with stamp k (the penultimate layer's
 *     to (widen + 0.2)× its natural maximum, the earlier layers' to 0.8×) and to stay below −max on natural images and
 *     on the other stamps (squared hinges, their weight ramped up over the first epoch); SGD, lr halved each epoch.
 *   - With --room least-used, the design before: the K penultimate units the model uses least (mean activation on
 *     2,000 training images times the norm of their outgoing weights) are set aside, their outgoing weights held at 0,
 *     and the whole network trains, learning the true labels of natural images (--ce; 1 − ce of it is distillation
 *     from the base); off means below −max/4; widen 1.5.
 *   - The trained network is compiled again (activation ranges calibrated on MNIST train, as the base was), and the
 *     penultimate layer's int8 output range is widened (--widen) so that a firing unit is clipped less.
 * Per board, no training: column u_k of the last layer = +(that row's largest |weight|) for the board's class c_k
 *   (uniform over the classes, SHA-256 counter mode over the board's code seed) and −(row max) for the others. A unit
 *   that never fires on natural data changes no natural answer, and gets no gradient when a thief fine-tunes.
 * Reading (black-box, decisions only): stamp k on R MNIST test images (--read-votes, the record's votes unless
 *   given); a candidate scores the decisions that fell on its classes (s of K·R). For a model that does not carry that
 *   board's classes, its classes are keyed draws independent of the model, so given the decisions the score's
 *   distribution is exact (src/trace/units/read.ts) and the family p-value among N candidates is N · P(S ≥ s). "units"
 *   counts the stamps most of whose decisions fell on the board's class.
 */
import { readFileSync, writeFileSync } from 'fs';
import { loadDataset } from '../src/data/dataset';
import { loadMnist } from '../src/data/mnist';
import { compileModel } from '../src/compiler/compile';
import { readOnnx } from '../src/onnx/reader';
import { writeOnnx } from '../src/onnx/writer';
import { averageCopies, fineTune } from '../src/trace/attacks';
import { floatNetFromTflite } from '../src/trace/float-net';
import { modelScores } from '../src/trace/victims';
import { boardClasses, unitsRecordOfTflite, writeBoardClasses } from '../src/trace/units/board';
import { defaultRoom, triggerUnitsOwnerModel } from '../src/trace/units/owner-model';
import { Room, TRIGGER_UNITS_DEFAULTS, TriggerUnitsParams, WIDEN_BY_ROOM } from '../src/trace/units/params';
import { unitVotes, votesFor } from '../src/trace/units/read';
import { scoreBoards, unitVotesOfWeights } from '../src/trace/units/verdict';
import { recordStamps, triggerProbes } from '../src/trace/units/stamps';
import { accuracy } from '../src/train/fit';
import { mnistTestAccuracy } from '../test/helpers/mnist-boards';
import { arg, listArg } from './support/args';
import { THIEF_SAMPLES, boardAttacks, thiefWindow } from './support/units-attacks';
import { scriptTraceKey, scriptUid } from './support/trace-script';

const architecturePath = arg('architecture', '');
/** --room: the CLI's default for the architecture (a pixel path for a CNN) unless given */
const room = arg(
  'room',
  architecturePath ? defaultRoom(readOnnx(readFileSync(architecturePath))) : TRIGGER_UNITS_DEFAULTS.room,
) as Room;
const training = {
  ...TRIGGER_UNITS_DEFAULTS,
  room,
  units: Number(arg('units', String(TRIGGER_UNITS_DEFAULTS.units))),
  pixels: Number(arg('pixels', String(TRIGGER_UNITS_DEFAULTS.pixels))),
  votes: Number(arg('votes', String(TRIGGER_UNITS_DEFAULTS.votes))),
  epochs: Number(arg('epochs', String(TRIGGER_UNITS_DEFAULTS.epochs))),
  lr: Number(arg('lr', String(TRIGGER_UNITS_DEFAULTS.lr))),
  labelWeight: Number(arg('ce', String(TRIGGER_UNITS_DEFAULTS.labelWeight))),
  widen: Number(arg('widen', String(WIDEN_BY_ROOM[room]))),
  seed: Number(arg('seed', String(TRIGGER_UNITS_DEFAULTS.seed))),
};
/** --fine-tunes "epochs:lr,…": only these fine-tunes of each board's copy instead of the attack list */
const FINE_TUNES = listArg('fine-tunes').map((f) => f.split(':').map(Number));
const K = training.units;
/** stamped images per unit when reading (the record's votes unless given) */
const READ_VOTES = Number(arg('read-votes', String(training.votes)));
const DEVICES = Number(arg('devices', '2'));
const N = Number(arg('candidates', '1000'));
const ACC_N = Number(arg('acc-n', '10000'));
/** the stamped probes are MNIST test images from here on */
const PROBE_IMAGES = 5000;

const train = loadMnist('train');
const test = loadMnist('test');
const SIZE = train.images.length / train.count;
const traceKey = scriptTraceKey();

async function main() {
  const base = new Uint8Array(readFileSync(arg('base', '')));
  const data = { x: train.images, labels: train.labels, count: train.count };
  const calib = loadDataset('mnist-train');
  const t0 = Date.now();
  let owner: Uint8Array;
  let params: TriggerUnitsParams;
  if (arg('owner', '')) {
    // an owner model made before (--save-owner), read with its record
    owner = new Uint8Array(readFileSync(arg('owner', '')));
    params = unitsRecordOfTflite(owner)!;
  } else {
    const architecture = readOnnx(readFileSync(architecturePath));
    const made = triggerUnitsOwnerModel({ model: architecture, traceKey, data, training });
    const calibration = { data: calib.data, count: calib.count, sampleShape: calib.sampleShape };
    owner = (await compileModel(writeOnnx(made.model), { precision: 'int8', calibration })).bytes;
    params = made.record;
    if (arg('save-owner', '')) writeFileSync(arg('save-owner', ''), owner);
  }
  const seconds = (Date.now() - t0) / 1000;
  const testData = { x: test.images, labels: test.labels, count: test.count };
  const C = floatNetFromTflite(base).net.outputSize;
  const candidates = Array.from({ length: N }, (_, i) => boardClasses(traceKey, scriptUid(i), K, C));
  const stamps = recordStamps(traceKey, params, [1, 28, 28], true);
  const probes = triggerProbes(stamps, READ_VOTES, test.images.subarray(PROBE_IMAGES * SIZE), SIZE);
  console.log(
    `${K} units (${params.units}), ${params.scheme}, ${params.pixels} stamp values, owner model in ${seconds.toFixed(1)} s; ` +
      `float accuracy on MNIST test: base ${accuracy(floatNetFromTflite(base).net, testData)}, owner ` +
      `${accuracy(floatNetFromTflite(owner).net, testData)}; int8 accuracy on ${ACC_N}: base ` +
      `${await mnistTestAccuracy(base, ACC_N)}, owner ${await mnistTestAccuracy(owner, ACC_N)}`,
  );
  const uids = candidates.map((_, i) => scriptUid(i).toString('hex'));
  /** the verdict's view (src/trace/units/verdict.ts): each leaker's votes and p-value, the best innocent's */
  const verdict = (label: string, tally: number[][], leakers: number[], units: (i: number) => string) => {
    const scored = new Map(scoreBoards(tally, C, traceKey, uids).map((c) => [c.uid, c]));
    const p = (i: number) => {
      const c = scored.get(uids[i])!;
      return `family p ${c.log10P > -300 ? (10 ** c.log10P).toExponential(1) : 0}${c.setAside ? `, ${c.setAside} set aside` : ''}`;
    };
    const innocents = uids.map((_, i) => i).filter((i) => !leakers.includes(i));
    const innocent = innocents.reduce((b, i) => (scored.get(uids[i])!.log10P < scored.get(uids[b])!.log10P ? i : b));
    const of = tally.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    const votes = (i: number) => votesFor(tally, candidates[i]);
    return (
      `${label}: leaker(s) ${leakers.map((i) => `${votes(i)}/${of} votes${units(i)} (${p(i)})`).join(', ') || '—'}; ` +
      `best innocent ${votes(innocent)} votes (${p(innocent)})`
    );
  };
  const report = async (label: string, model: Uint8Array, leakers: number[], withAccuracy = true) => {
    const tally = unitVotes(await modelScores(model, probes, K * READ_VOTES), K, READ_VOTES, C);
    // units whose votes mostly went to the board's class
    const units = (i: number) => `, ${candidates[i].filter((c, k) => 2 * tally[k][c] > READ_VOTES).length}/${K} units`;
    const acc = withAccuracy ? `, accuracy ${await mnistTestAccuracy(model, ACC_N)}` : '';
    console.log(verdict(label, tally, leakers, units) + acc);
  };
  await report('base model (no units)', base, []);
  await report('owner model (units, no board classes)', owner, []);
  const boardOf = (p: TriggerUnitsParams, i: number) => writeBoardClasses(owner, p, candidates[i]);
  const boards = Array.from({ length: Math.max(DEVICES, 3) }, (_, i) => boardOf(params, i));
  const window = (i: number) => thiefWindow(train.images, train.labels, SIZE, 10000 + i * THIEF_SAMPLES);
  for (let i = 0; i < DEVICES; i++) {
    await report(`board ${i}`, boards[i], [i]);
    if (arg('attacks', 'yes') === 'no') continue;
    const only = FINE_TUNES.length > 0 ? FINE_TUNES : undefined;
    for (const [label, copy] of boardAttacks(boards[i], window(i), i + 1, only)) await report(label, copy, [i]);
  }
  // white-box, the units' columns (one vote for each class above the column's midpoint)
  const whiteBox = (label: string, model: Uint8Array, leakers: number[]) =>
    console.log(verdict(`${label}, white-box`, unitVotesOfWeights(model, params), leakers, () => ''));
  for (const n of [2, 3]) {
    const label = `average of boards ${Array.from({ length: n }, (_, i) => i).join(', ')}`;
    const copy = averageCopies(boards.slice(0, n));
    await report(
      label,
      copy,
      Array.from({ length: n }, (_, i) => i),
      false,
    );
    whiteBox(
      label,
      copy,
      Array.from({ length: n }, (_, i) => i),
    );
  }
  await report(
    'the base fine-tuned (independent of every board)',
    fineTune(base, window(5), { epochs: 2, lr: 0.01, seed: 9 }),
    [],
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
