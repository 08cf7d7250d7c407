/**
 * Trigger units over many boards (docs/security.md, "Trigger units", "How often a fine-tuned copy is named"): issue
 * #16 asks that a leaked copy fine-tuned on 10% of the data be named among ≥1,000 boards with ≥99% accuracy, and the
 * tables above have three boards each. Here boards --from … --to each get their own copy: the owner model with the
 * board's classes (package --trace), fine-tuned on 6,000 MNIST training images (board i: images 6,000·(i mod 9) on,
 * seed i + 1) for --epochs at --lr, then read black-box at the record's 320 stamped decisions and scored against all
 * --candidates boards (the verdict of `edgelock trace`). A board is named when its family p-value is at most 5e-7
 * (the units' half of alpha 1e-6). Prints one line per board and a summary: named, the fewest votes, the largest
 * p-value of a leaker and the smallest of any innocent board.
 *   npx tsx scripts/trace-units-trials.ts --owner <owner.tflite, saved by trace-units-measure.ts --save-owner>
 *     [--from 0] [--to 100] [--windows <i mod 9, …>] [--epochs 2] [--lr 0.01] [--candidates 1000] [--acc-n 1000]
 *     [--input <mean>,<deviation>]   (a model that takes standardised pixels: every image becomes (x − mean)/deviation)
 */
import { evaluateModelFile } from '../src/eval/evaluate';
import { fineTune } from '../src/trace/attacks';
import { modelScores } from '../src/trace/victims';
import { boardClasses, writeBoardClasses } from '../src/trace/units/board';
import { unitVotes, votesFor } from '../src/trace/units/read';
import { recordStamps, triggerProbes } from '../src/trace/units/stamps';
import { scoreBoards } from '../src/trace/units/verdict';
import { arg, listArg } from './support/args';
import { mnistOwner, scriptTraceKey, scriptUid } from './support/trace-script';
import { THIEF_SAMPLES, thiefWindow } from './support/units-attacks';

const FROM = Number(arg('from', '0'));
const TO = Number(arg('to', '100'));
const EPOCHS = Number(arg('epochs', '2'));
const LR = Number(arg('lr', '0.01'));
const N = Number(arg('candidates', '1000'));
const ACC_N = Number(arg('acc-n', '1000'));
/** --windows "4,7": only boards whose data window (i mod 9) is listed */
const WINDOWS = listArg('windows').map(Number);
const INPUT = listArg('input').map(Number);
const LEVEL = 5e-7;
const C = 10;

async function main() {
  const input = INPUT.length === 2 ? ([INPUT[0], INPUT[1]] as const) : undefined;
  const { owner, record, K, train, test, SIZE } = mnistOwner(arg('owner', ''), input);
  const accuracy = async (model: Uint8Array) =>
    (
      await evaluateModelFile(model, {
        name: 'mnist-test',
        sampleShape: [1, 28, 28],
        count: ACC_N,
        x: test.images.subarray(0, ACC_N * SIZE),
        labels: test.labels.subarray(0, ACC_N),
      })
    ).accuracy;
  const traceKey = scriptTraceKey();
  const uids = Array.from({ length: Math.max(N, TO) }, (_, i) => scriptUid(i).toString('hex'));
  const stamps = recordStamps(traceKey, record, [1, 28, 28], true);
  const probes = triggerProbes(stamps, record.votes, test.images.subarray(5000 * SIZE), SIZE);
  let named = 0;
  let fewest = Infinity;
  let worstLeaker = -Infinity;
  let bestInnocent = Infinity;
  let tried = 0;
  for (let i = FROM; i < TO; i++) {
    if (WINDOWS.length > 0 && !WINDOWS.includes(i % 9)) continue;
    tried++;
    const classes = boardClasses(traceKey, scriptUid(i), K, C);
    const board = writeBoardClasses(owner, record, classes);
    const thief = thiefWindow(train.images, train.labels, SIZE, (i % 9) * THIEF_SAMPLES);
    const copy = fineTune(board, thief, { epochs: EPOCHS, lr: LR, seed: i + 1 });
    const tally = unitVotes(await modelScores(copy, probes, K * record.votes), K, record.votes, C);
    // the leaker among the first N candidates (itself included when i ≥ N)
    const pool = i < N ? uids.slice(0, N) : [...uids.slice(0, N - 1), uids[i]];
    const scored = scoreBoards(tally, C, traceKey, pool);
    const mine = scored.find((c) => c.uid === uids[i])!;
    const innocent = Math.min(...scored.filter((c) => c.uid !== uids[i]).map((c) => c.log10P));
    const ok = mine.log10P <= Math.log10(LEVEL);
    named += ok ? 1 : 0;
    const votes = votesFor(tally, classes);
    fewest = Math.min(fewest, votes);
    worstLeaker = Math.max(worstLeaker, mine.log10P);
    bestInnocent = Math.min(bestInnocent, innocent);
    console.log(
      `board ${i}: ${votes}/${K * record.votes} votes, family p ${(10 ** mine.log10P).toExponential(1)}` +
        `${ok ? ' named' : ' NOT named'}; best innocent p ${(10 ** innocent).toExponential(1)}; ` +
        `copy accuracy ${await accuracy(copy)}`,
    );
  }
  console.log(
    `boards ${FROM}–${TO - 1}, fine-tuned ${EPOCHS} epochs at lr ${LR}: ${named} of ${tried} named; fewest votes ` +
      `${fewest}; largest leaker p ${(10 ** worstLeaker).toExponential(1)}; smallest innocent p ` +
      `${(10 ** bestInnocent).toExponential(1)}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
