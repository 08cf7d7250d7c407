/**
 * Trigger units on a colour input, measured (docs/security.md, "Trigger units"): the VGG-style RGB CNN of
 * test/helpers/rgb-cnn.ts trained on the synthetic-cifar task, given a detector path with colour stamps, compiled to
 * int8 (input moved channels-last), and each board's copy attacked as trace-units-measure.ts attacks the MNIST models:
 *   npx tsx scripts/trace-units-rgb.ts [--own 10000] [--units 16] [--pixels 144] [--lr 0.01] [--epochs 5] [--devices 3]
 *     [--candidates 1000] [--acc-n 10000] [--room path|pixel-path]
 * (--room path, the trained path, is what the colour rows measured before the pixel path; --pixels, --lr and --epochs
 * are its settings)
 * It runs src/trace/units/ (what `edgelock trace-units`, `package --trace` and `edgelock trace` use); the stamped
 * probes are synthetic-cifar test images moved channels-last, each stamp on the record's votes of them, read from
 * decisions alone among the candidates (src/trace/units/verdict.ts).
 */
import { createHash } from 'crypto';
import { compileModel } from '../src/compiler/compile';
import { deriveTraceKey } from '../src/keys/derive';
import { writeOnnx } from '../src/onnx';
import { averageCopies, fineTune } from '../src/trace/attacks';
import { boardClasses, writeBoardClasses } from '../src/trace/units/board';
import { triggerUnitsOwnerModel } from '../src/trace/units/owner-model';
import { COLOUR_STAMPS, Room, TRIGGER_UNITS_DEFAULTS } from '../src/trace/units/params';
import { unitVotes, votesFor } from '../src/trace/units/read';
import { modelStamps, triggerProbes } from '../src/trace/units/stamps';
import { unitVotesOfWeights, unitsVerdict } from '../src/trace/units/verdict';
import { argmax, modelScores } from '../src/trace/victims';
import { simulatedUids } from '../test/helpers/mnist-boards';
import { RGB_SHAPE, RGB_SIZE, channelsLast, rgbTask, trainRgbCnn } from '../test/helpers/rgb-cnn';
import { arg } from './support/args';
import { THIEF_SAMPLES, boardAttacks, thiefWindow } from './support/units-attacks';

const OWN = Number(arg('own', '10000'));
const DEVICES = Number(arg('devices', '3'));
const N = Number(arg('candidates', '1000'));
const ACC_N = Number(arg('acc-n', '10000'));
const training = {
  ...TRIGGER_UNITS_DEFAULTS,
  units: Number(arg('units', String(TRIGGER_UNITS_DEFAULTS.units))),
  pixels: Number(arg('pixels', String(COLOUR_STAMPS.pixels))),
  lr: Number(arg('lr', String(COLOUR_STAMPS.lr))),
  epochs: Number(arg('epochs', String(TRIGGER_UNITS_DEFAULTS.epochs))),
  room: arg('room', 'path') as Room,
};
const K = training.units;
const VOTES = training.votes;
const C = 10;
const traceKey = deriveTraceKey(createHash('sha256').update('edgelock trace-units-rgb measurement').digest());

async function main() {
  const data = rgbTask('train', OWN + 6000 * (DEVICES + 1));
  const held = rgbTask('test', ACC_N + K * VOTES);
  const calib = rgbTask('calib', 500);
  const calibration = { data: calib.data, count: calib.count, sampleShape: RGB_SHAPE };
  const own = { x: data.data.subarray(0, OWN * RGB_SIZE), labels: data.labels.subarray(0, OWN), count: OWN };
  let t = Date.now();
  const architecture = trainRgbCnn({ ...data, data: own.x, count: OWN }, 3);
  const base = (await compileModel(writeOnnx(architecture), { precision: 'int8', calibration })).bytes;
  const trained = (Date.now() - t) / 1000;
  t = Date.now();
  const made = triggerUnitsOwnerModel({ model: architecture, traceKey, data: own, training });
  const owner = (await compileModel(writeOnnx(made.model), { precision: 'int8', calibration })).bytes;
  const seconds = (Date.now() - t) / 1000;
  const testX = channelsLast(held.data, ACC_N);
  const accuracy = async (m: Uint8Array) => {
    const s = await modelScores(m, testX, ACC_N);
    let ok = 0;
    for (let i = 0; i < ACC_N; i++) if (argmax(s, i * C, C) === held.labels[i]) ok++;
    return `${((100 * ok) / ACC_N).toFixed(2)}%`;
  };
  const uids = simulatedUids('c010', N);
  const candidates = uids.map((u) => boardClasses(traceKey, Buffer.from(u, 'hex'), K, C));
  const probes = triggerProbes(
    modelStamps(traceKey, made.record, owner),
    VOTES,
    channelsLast(held.data.subarray(ACC_N * RGB_SIZE), K * VOTES),
    RGB_SIZE,
  );
  console.log(
    `base trained in ${trained.toFixed(1)} s on ${OWN}; ${K} units, ${made.record.scheme}, ` +
      `${made.record.pixels} stamped pixels, lr ${training.lr}, owner model in ${seconds.toFixed(1)} s; int8 accuracy ` +
      `on ${ACC_N} synthetic-cifar test ` +
      `images: base ${await accuracy(base)}, owner ${await accuracy(owner)}`,
  );
  const verdict = (label: string, tally: number[][], leakers: number[]) => {
    const v = unitsVerdict(tally, C, traceKey, uids, 1e-6 / 2);
    const named = v.named ? [v.uid, ...v.others.map((o) => o.uid)] : [];
    const of = tally.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    const p = (l: number) => `${(10 ** l).toExponential(1)}`;
    const leaked = leakers
      .map((i) => `${votesFor(tally, candidates[i])}/${of}${named.includes(uids[i]) ? ' named' : ''}`)
      .join(', ');
    const wrong = named.filter((u) => !leakers.map((i) => uids[i]).includes(u));
    return `${label}: leaker votes ${leaked || '—'}; best board ${v.uid.slice(-8)} family p ${p(v.log10P)}; innocents named ${wrong.length}`;
  };
  const report = async (label: string, model: Uint8Array, leakers: number[], withAccuracy = true) => {
    const tally = unitVotes(await modelScores(model, probes, K * VOTES), K, VOTES, C);
    console.log(verdict(label, tally, leakers) + (withAccuracy ? `; accuracy ${await accuracy(model)}` : ''));
  };
  const window = (i: number) => thiefWindow(data.data, data.labels, RGB_SIZE, OWN + i * THIEF_SAMPLES);
  await report('base model (no units)', base, []);
  await report('owner model (units, no board classes)', owner, []);
  const boards = Array.from({ length: Math.max(DEVICES, 3) }, (_, i) =>
    writeBoardClasses(owner, made.record, candidates[i]),
  );
  for (let i = 0; i < DEVICES; i++) {
    await report(`board ${i}`, boards[i], [i]);
    for (const [label, copy] of boardAttacks(boards[i], window(i), i + 1)) await report(label, copy, [i]);
  }
  for (const n of [2, 3]) {
    const leakers = Array.from({ length: n }, (_, i) => i);
    const copy = averageCopies(boards.slice(0, n));
    await report(`average of ${n} boards`, copy, leakers, false);
    console.log(verdict(`average of ${n} boards, white-box`, unitVotesOfWeights(copy, made.record), leakers));
  }
  for (const [epochs, lr] of [
    [2, 0.01],
    [3, 0.03],
  ])
    await report(
      `the base fine-tuned ${epochs} epochs lr ${lr} (independent of every board)`,
      fineTune(base, window(DEVICES), { epochs, lr, seed: 9 }),
      [],
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
