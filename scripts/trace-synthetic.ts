/**
 * Per-device tracing on the zoo models trained on synthetic tasks (docs/security.md, "Tracing a leaked model to its
 * board", "Depthwise and pooled models", "Residual models"): the keyword-spotting DS-CNN (depthwise convolutions, a
 * global average pool) and the CIFAR ResNet-8 (residual joins) are what the float network (src/trace/float-net.ts)
 * reads since 2026-12-07, so the trace code is read black-box there too. For boards --from … --to, each board's
 * marked model (`package --trace`) leaks as dumped, re-quantised, and fine-tuned on 6,000 training samples of the
 * task (2 epochs of SGD at --lr, board i's seed i + 1); each leak is traced white-box and black-box (--queries
 * answers to test inputs of the task, scores) among --candidates boards, as `edgelock trace` does. --kinds also
 * takes `shuffled` (the channels of every free space re-ordered and scaled by factors in [0.5, 1], src/trace/unit-graph.ts)
 * and `shuffled-fine-tuned` (that copy then fine-tuned as above), `deepened` (identity layers added after the filters
 * --deepen lists, counted in the float network's order, on the leak re-exported as ONNX: deepenHidden) and
 * `deepened-shuffled` (that copy re-ordered and scaled), `widened` (--widen channels added to every space that can
 * grow, split off existing ones with --split 1, else new: widenSpaces) and `widened-shuffled`; --black-box 0 traces
 * white-box only; --tune-data 1
 * gives black-box tracing 6,000 other training samples of the task (never the thief's) to fine-tune the base model on
 * (src/trace/tuned-reference.ts, `edgelock trace --tune-data`). Prints one
 * line per board and leak, then a summary per leak kind: named, the smallest z of the leaker, the largest of any
 * innocent board; and the accuracy of the base and of each marked model on 2,000 test samples.
 *   npx tsx scripts/trace-synthetic.ts --base <the zoo model compiled int8 .tflite> [--task kws-dscnn|cifar-resnet8]
 *     [--from 0] [--to 5] [--candidates 1000] [--queries 300] [--epochs 2] [--lr 0.01]
 *     [--kinds dumped,re-quantised,fine-tuned] [--black-box 1] [--tune-data 0] [--deepen 1,3,6]
 *     [--widen 8] [--split 1]
 */
import { readFileSync } from 'fs';
import { evaluateModelFile } from '../src/eval/evaluate';
import { deepenHidden, fineTune, requantize, shuffleUnits } from '../src/trace/attacks';
import { embedTraceCode } from '../src/trace/embed';
import { widenSpaces } from '../src/trace/widen-spaces';
import { DEFAULT_TRACE_PARAMS } from '../src/trace/params';
import { traceLeak } from '../src/trace/trace';
import { fileVictim } from '../src/trace/victims';
import { toModelInputs } from '../src/trace/natural-inputs';
import { readTflite } from '../src/tflite/reader';
import { syntheticTask } from '../src/zoo/synthetic-task';
import { arg } from './support/args';
import { SCRIPT_MASTER, scriptTraceKey, scriptUid } from './support/trace-script';

const base = new Uint8Array(readFileSync(arg('base', '')));
const FROM = Number(arg('from', '0'));
const TO = Number(arg('to', '5'));
const N = Number(arg('candidates', '1000'));
const Q = Number(arg('queries', '300'));
const EPOCHS = Number(arg('epochs', '2'));
const LR = Number(arg('lr', '0.01'));
const TASK = arg('task', 'kws-dscnn');
const KINDS = arg('kinds', 'dumped,re-quantised,fine-tuned').split(',');
const BLACK_BOX = arg('black-box', '1') !== '0';
const TUNE = arg('tune-data', '0') !== '0';
const DEEPEN = arg('deepen', '1').split(',').map(Number);
const WIDEN = Number(arg('widen', '8'));
const SPLIT = arg('split', '1') !== '0';
const ALPHA = 1e-6;

async function main() {
  const test = syntheticTask(TASK, 'test', 2000);
  const train = syntheticTask(TASK, 'train', 6000);
  const thief = { x: train.data, labels: Uint8Array.from(train.labels), count: train.count };
  // the owner's own inputs for fine-tuned references: the 6,000 training samples after the thief's
  const owner = syntheticTask(TASK, 'train', 12000);
  const size = owner.data.length / owner.count;
  const tuneData = TUNE
    ? {
        x: toModelInputs(readTflite(base), owner.data.subarray(6000 * size), 6000, owner.sampleShape),
        count: 6000,
      }
    : undefined;
  const accuracy = async (m: Uint8Array) =>
    (
      await evaluateModelFile(m, {
        name: `${TASK} test`,
        sampleShape: test.sampleShape,
        count: test.count,
        x: test.data,
        labels: Uint8Array.from(test.labels),
      })
    ).accuracy;
  // the calibration samples the deepened and widened copies are compiled again on
  const calib = syntheticTask(TASK, 'calib', 500);
  const uids = Array.from({ length: N }, (_, i) => scriptUid(i).toString('hex'));
  const candidates = [{ uids, params: DEFAULT_TRACE_PARAMS }];
  // the task's samples are NCHW; the compiled model reads them channels-last, as its recorded input layout says
  const probes = toModelInputs(readTflite(base), test.data, Q, test.sampleShape);
  console.log(`base accuracy ${(100 * (await accuracy(base))).toFixed(2)}%`);
  const summary = new Map<string, { named: number; of: number; zMin: number; innocentMax: number }>();
  const note = (kind: string, named: boolean, z: number, innocent: number) => {
    const s = summary.get(kind) ?? { named: 0, of: 0, zMin: Infinity, innocentMax: -Infinity };
    summary.set(kind, {
      named: s.named + (named ? 1 : 0),
      of: s.of + 1,
      zMin: Math.min(s.zMin, z),
      innocentMax: Math.max(s.innocentMax, innocent),
    });
  };
  for (let d = FROM; d < TO; d++) {
    const marked = embedTraceCode(base, scriptTraceKey(), scriptUid(d), DEFAULT_TRACE_PARAMS).bytes;
    const tune = (m: Uint8Array) => fineTune(m, thief, { epochs: EPOCHS, lr: LR, seed: d + 1 });
    const shuffled = () => shuffleUnits(marked, { seed: 100 + d, scale: [0.5, 1] });
    const deepened = () => deepenHidden(marked, null, DEEPEN, calib);
    const widened = () => widenSpaces(marked, { extra: WIDEN, split: SPLIT, seed: 300 + d }, calib);
    const wide = `${WIDEN} channels ${SPLIT ? 'split off' : 'added'} per space`;
    const make: Record<string, [string, () => Uint8Array | Promise<Uint8Array>]> = {
      dumped: ['as dumped', () => marked],
      're-quantised': ['re-quantised', () => requantize(marked)],
      'fine-tuned': [`fine-tuned ${EPOCHS} epochs at lr ${LR}`, () => tune(marked)],
      shuffled: ['channels shuffled and scaled', shuffled],
      'shuffled-fine-tuned': [`shuffled, scaled, fine-tuned ${EPOCHS} epochs at lr ${LR}`, () => tune(shuffled())],
      deepened: [`layers added after filters ${DEEPEN.join(',')}`, deepened],
      'deepened-shuffled': [
        `layers added after filters ${DEEPEN.join(',')}, shuffled and scaled`,
        async () => shuffleUnits(await deepened(), { seed: 200 + d, scale: [0.5, 1] }),
      ],
      widened: [wide, widened],
      'widened-shuffled': [
        `${wide}, shuffled and scaled`,
        async () => shuffleUnits(await widened(), { seed: 400 + d, scale: [0.5, 1] }),
      ],
    };
    const leaks: (readonly [string, Uint8Array])[] = [];
    for (const k of KINDS) {
      if (!make[k]) throw new Error(`--kinds: unknown ${k}; known: ${Object.keys(make).join(', ')}`);
      leaks.push([make[k][0], await make[k][1]()]);
    }
    const acc = await accuracy(marked);
    for (const [kind, leak] of leaks) {
      const white = await traceLeak({ base, master: SCRIPT_MASTER, candidates, alpha: ALPHA, leaked: leak });
      const readings: [string, Awaited<ReturnType<typeof traceLeak>>][] = [['white-box', white]];
      if (BLACK_BOX) {
        const v = await fileVictim(leak);
        try {
          const blackBox = {
            probes,
            count: Q,
            victim: v.query,
            hardLabels: false,
            ...(tuneData ? { tune: tuneData } : {}),
          };
          readings.push([
            'black-box',
            await traceLeak({ base, master: SCRIPT_MASTER, candidates, alpha: ALPHA, blackBox }),
          ]);
        } finally {
          v.dispose();
        }
      }
      for (const [how, r] of readings) {
        const named = r.named.length === 1 && r.named[0].uid === uids[d];
        const z = r.best.uid === uids[d] ? r.best.z : -Infinity;
        const innocent = r.best.uid === uids[d] ? (r.runnerUp?.z ?? -Infinity) : r.best.z;
        note(`${kind}, ${how}`, named, z, innocent);
        const tuned = r.tunedReference ? ` (read against the base fine-tuned at lr ${r.tunedReference.lr})` : '';
        console.log(
          `board ${d} ${kind} (${kind === 'as dumped' ? `${(100 * acc).toFixed(2)}%` : `${(100 * (await accuracy(leak))).toFixed(2)}%`}), ` +
            `${how}: ${named ? 'named' : 'not named'}, z ${Number.isFinite(z) ? z.toFixed(2) : '(not the best)'}, ` +
            `best innocent z ${innocent.toFixed(2)}${tuned}`,
        );
      }
    }
  }
  for (const [kind, s] of summary)
    console.log(
      `${kind}: ${s.named} of ${s.of} named; leaker z min ${Number.isFinite(s.zMin) ? s.zMin.toFixed(2) : '(not the best)'}; ` +
        `innocent z max ${s.innocentMax.toFixed(2)}`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
