/**
 * `edgelock attack <locked.onnx> --data <train npy|mnist-train> --fraction <f> [--labels <npy>]
 *   [--test <data>] [--test-labels <npy>] [--test-limit <n>] [--epochs <n>] [--seed <n>]
 *   [--scratch-seeds <k>] [--only a,b] [--json]`: the project's own attacks on a locked model, without its key.
 */
import { Command } from 'commander';
import { ATTACKS } from '../../attack/attacks';
import { AttackReport, runAttacks } from '../../attack/run-attacks';
import { EdgelockError } from '../../errors';
import { loadLabelledSet } from '../../eval/labelled-data';
import { loadOnnxFile } from '../../formats/load';
import { printJson } from '../output';
import { formatTable } from '../../text/table';
import { fraction, integer, positiveInt } from '../option-parsers';

interface AttackFlags {
  data: string;
  labels?: string;
  fraction: number;
  test: string;
  testLabels?: string;
  testLimit?: number;
  epochs?: number;
  seed: number;
  only?: string;
  scratchSeeds: number;
  json?: boolean;
}

const pct = (a: number) => `${(a * 100).toFixed(2)}%`;

export function formatAttackReport(r: AttackReport): string {
  const scratch = r.rows.find((x) => x.attack === 'from-scratch')!.accuracy;
  const rows = r.rows.map((x) => [
    x.title,
    pct(x.accuracy),
    x.attack === 'from-scratch'
      ? ''
      : `${x.accuracy - scratch >= 0 ? '+' : ''}${((x.accuracy - scratch) * 100).toFixed(2)}`,
    x.samplesUsed,
    x.forwardPasses,
    `${x.seconds.toFixed(1)} s`,
    x.note ?? '',
  ]);
  return [
    `scheme ${r.scheme}; attacker data: ${r.trainSamples} labelled samples (fraction ${r.fraction}); scored on ${r.testSamples} test samples; ${r.budget.epochs} epochs, seed ${r.seed}`,
    '',
    formatTable(['attack', 'accuracy', 'vs scratch (points)', 'data used', 'forward passes', 'time', 'note'], rows),
    '',
    `best attack − from scratch: ${(r.bestMarginOverScratch * 100).toFixed(2)} points (bound: ≤ +2)`,
  ].join('\n');
}

export function register(program: Command): Command {
  return program
    .command('attack <model>')
    .description(
      'attack a locked ONNX model without its key (no key, random key, greedy and gradient key search, fine-tuning) against training from scratch',
    )
    .requiredOption('--data <data>', "the attacker's labelled training pool: mnist-train or a float32 .npy")
    .option('--labels <file>', 'labels for .npy training data')
    .requiredOption('--fraction <f>', 'fraction of the training pool the attacker has, in (0, 1]', fraction)
    .option('--test <data>', 'held-out data to score attacks on', 'mnist-test')
    .option('--test-labels <file>', 'labels for .npy test data')
    .option('--test-limit <n>', 'score on the first n test samples only', positiveInt)
    .option(
      '--epochs <n>',
      'training epochs of the training-based attacks (default: scaled to the data, 5..50)',
      positiveInt,
    )
    .option('--seed <n>', 'seed of the data subset and every attack', integer, 1)
    .option(
      '--scratch-seeds <k>',
      'from-scratch runs with independent seeds averaged into the yardstick',
      positiveInt,
      1,
    )
    .option(
      '--only <names>',
      `comma-separated attacks to run (the yardstick always runs): ${ATTACKS.map((a) => a.name).join(', ')}`,
    )
    .option('--json', 'print one JSON object')
    .action((file: string, flags: AttackFlags) => {
      const only = flags.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const name of only ?? [])
        if (!ATTACKS.some((a) => a.name === name)) throw new EdgelockError('E_USAGE', `unknown attack '${name}'`);
      const { epochs, scratchSeeds } = flags;
      const model = loadOnnxFile(file);
      const train = loadLabelledSet(flags.data, flags.labels);
      const test = loadLabelledSet(flags.test, flags.testLabels, flags.testLimit);
      const report = runAttacks(model, train, test, {
        fraction: flags.fraction,
        seed: flags.seed,
        budget: { ...(epochs ? { epochs } : {}), scratchSeeds },
        only,
        onRow: flags.json
          ? undefined
          : (row) => process.stderr.write(`  ${row.attack}: ${pct(row.accuracy)} (${row.seconds.toFixed(1)} s)\n`),
      });
      if (flags.json) printJson(report);
      else process.stdout.write(formatAttackReport(report) + '\n');
    });
}
