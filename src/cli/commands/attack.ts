/**
 * `edgelock attack <locked.onnx> --data <train npy|mnist-train> --fraction <f> [--labels <npy>]
 *   [--test <data>] [--test-labels <npy>] [--test-limit <n>] [--epochs <n>] [--seed <n>]
 *   [--scratch-seeds <k>] [--only a,b] [--json]`: the project's own attacks on a locked model, without its key.
 * `edgelock attack [model] --only distill [--port <p> [--slot n]] [--queries n] [--labels hard|soft]
 *   [--temperature T] [--arch same|<zoo>|<file.onnx>] [--owner <id> --owner-key <keyfile>] …`: model extraction
 *   (./attack-distill.ts).
 */
import { Command } from 'commander';
import { ATTACKS } from '../../attack/attacks';
import { AttackReport, runAttacks } from '../../attack/run-attacks';
import { EdgelockError } from '../../errors';
import { loadLabelledSet } from '../../eval/labelled-data';
import { loadOnnxFile } from '../../formats/load';
import { printJson } from '../output';
import { DISTILL_ONLY_FLAGS, DistillFlags, distillAction } from './attack-distill';
import { formatTable } from '../../text/table';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { DEFAULT_TEMPERATURE } from '../../attack/distill';
import { fraction, integer, nonNegativeInt, openUnit, positiveInt, positiveNumber } from '../option-parsers';
import { DISTILL_CLI_DEFAULTS } from './attack-distill';
import { scoreThresholdOption, statisticOption } from './response-mark';

interface AttackFlags extends DistillFlags {
  fraction?: number;
  only?: string;
  scratchSeeds: number;
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
    `scheme ${r.scheme}; attacker data: ${r.trainSamples} labelled samples (fraction ${r.fraction}); scored ` +
      `on ${r.testSamples} test samples; ${r.budget.epochs} epochs, seed ${r.seed}`,
    '',
    formatTable(['attack', 'accuracy', 'vs scratch (points)', 'data used', 'forward passes', 'time', 'note'], rows),
    '',
    `best attack − from scratch: ${(r.bestMarginOverScratch * 100).toFixed(2)} points (bound: ≤ +2)`,
  ].join('\n');
}

export function register(program: Command): Command {
  return program
    .command('attack [model]')
    .description(
      'attack a locked ONNX model without its key (no key, random key, greedy and gradient key search, ' +
        'fine-tuning) against training from scratch; or, with --only distill, extract a model file or board ' +
        'by distillation and check ownership of the copy',
    )
    .option('--data <data>', "the attacker's labelled training pool: mnist-train or a float32 .npy")
    .option('--labels <file>', 'labels for .npy training data; with --only distill: hard or soft (default hard)')
    .option('--fraction <f>', 'fraction of the training pool the attacker has, in (0, 1]', fraction)
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
      `comma-separated attacks to run (the yardstick always runs): ${ATTACKS.map((a) => a.name).join(', ')}; or distill (model extraction, alone)`,
    )
    .option(
      '--queries <n>',
      `distill: queries the attacker spends (default ${DISTILL_CLI_DEFAULTS.queries})`,
      positiveInt,
    )
    .option('--temperature <T>', `distill: temperature of soft labels (default ${DEFAULT_TEMPERATURE})`, positiveNumber)
    .option('--arch <arch>', "distill: the copy's architecture: same, a zoo model name or an .onnx file (default same)")
    .option('--port <port>', 'distill: query a board over the serial protocol instead of the file')
    .option('--slot <n>', "distill: the board's model slot (default: its active one)", nonNegativeInt)
    .option('--key <keyfile>', 'distill: master key to unlock a locked victim file (as a genuine board runs it)')
    .option('--device-uid <uid>', 'distill: device uid for a device-bound lock')
    .option('--owner <id>', 'distill: owner id for the ownership checks on the copy')
    .option('--owner-key <keyfile>', "distill: the owner's watermark key")
    .option('--params <file>', 'distill: the watermarked ONNX (or its record JSON) when the victim carries no record')
    .option('--base <data>', "distill: the watermark's base data (default mnist-train)")
    .option(
      '--null <file|rate>',
      "distill: the watermark's null match rate (default: calibrated file beside the model, else 1/C)",
    )
    .option('--alpha <a>', `distill: significance level of the ownership checks (default ${DEFAULT_ALPHA})`, openUnit)
    .option(
      '--owner-calib <n>',
      `distill: the owner's calibration samples, the first n of --data, not queried (default ${DISTILL_CLI_DEFAULTS.ownerCalib})`,
      nonNegativeInt,
    )
    .option('--threads <n>', 'distill: training threads', positiveInt)
    .option('--lr <r>', 'distill: SGD learning rate (default 0.05; soft labels 0.05 / T)', positiveNumber)
    .option(
      '--shift <px>',
      'distill: train the copy on its queries shifted at random by up to px pixels each epoch (default 0: none)',
      nonNegativeInt,
    )
    .option('-o, --output <copy.onnx>', 'distill: write the stolen copy')
    .option(
      '--response-mark <board.elp>',
      "distill: also check the marking board's response mark (package --response-mark) on the copy and the victim",
    )
    .option(
      '--score-offsets <board.elp>',
      "distill: also check the board's score offsets (package --score-offsets) on the copy and the victim",
    )
    .option('--mark-key <master.key>', 'distill: with --response-mark or --score-offsets, the vendor master key')
    .option(
      '--offsets-pool <data,...>',
      "distill: with --score-offsets, the owner's inputs the offsets are read on (default mnist-test)",
    )
    .option(
      '--mark-pool <data,...>',
      "distill: with --response-mark, the owner's natural inputs (default mnist-train,mnist-test)",
    )
    .option('--mark-pool-limit <n>', 'distill: with --response-mark, use the first n pool inputs', positiveInt)
    .addOption(statisticOption('--mark-statistic <s>', 'distill: with --response-mark, '))
    .addOption(scoreThresholdOption('--mark-score-threshold <p>', 'distill: with --mark-statistic scores'))
    .option('--json', 'print one JSON object')
    .action(async (file: string | undefined, flags: AttackFlags) => {
      if (flags.only?.split(',').some((s) => s.trim() === 'distill')) {
        if (flags.only.split(',').filter((s) => s.trim()).length > 1)
          throw new EdgelockError(
            'E_USAGE',
            '--only distill runs alone (the lock attacks need --fraction, not a victim)',
          );
        for (const flag of ['fraction', 'scratchSeeds'] as const)
          if (flags[flag] !== undefined && !(flag === 'scratchSeeds' && flags[flag] === 1))
            throw new EdgelockError(
              'E_USAGE',
              `--${flag === 'fraction' ? 'fraction' : 'scratch-seeds'} does not apply to --only distill`,
            );
        return distillAction(file, flags);
      }
      for (const flag of DISTILL_ONLY_FLAGS)
        if (flags[flag] !== undefined)
          throw new EdgelockError(
            'E_USAGE',
            `--${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} applies to --only distill`,
          );
      if (!file) throw new EdgelockError('E_USAGE', 'missing the locked model to attack');
      if (!flags.data) throw new EdgelockError('E_USAGE', 'missing --data <train npy|mnist-train>');
      if (flags.fraction === undefined) throw new EdgelockError('E_USAGE', 'missing --fraction <f>');
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
