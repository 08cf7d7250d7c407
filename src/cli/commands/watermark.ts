/**
 * `edgelock watermark embed|verify|calibrate`: Guo-style black-box watermarks (docs/watermark.md).
 *
 *   embed <in.onnx> -o <out.onnx> --data <d> [--labels <npy>] --owner <id> --key <keyfile> [--model-id <id>]
 *         [--triggers N] [--strength s] [--positions P] [--mix f] [--epochs e] [--lr r] [--seed n] [--threads t] [--json]
 *   verify <model.onnx|model.tflite> --owner <id> --key <keyfile> --data <d> [--labels <npy>]
 *         [--null <file|rate>] [--alpha a] [--params <watermarked.onnx|record.json>] [--port <p> [--slot n]] [--json]
 *         (--port: the labels come from the board's installed model, which regenerates the triggers itself;
 *          the file still gives the watermark record / parameters)
 *   calibrate <watermarked.onnx> --owner <id> --key <keyfile> --data <d> [--labels <npy>] [-o <null.json>]
 *         [--models n] [--epochs e] [--samples k] [--clean <files...>] [--test <d>] [--json]
 *
 * The work happens in src/watermark/ (embed.ts, model-file.ts, verify-file.ts, calibrate.ts); this file parses
 * the options and prints. Ctrl-C during training ends the process before anything is written; outputs are written
 * atomically (temp file + rename) only after training.
 */
import { Command } from 'commander';
import * as path from 'path';
import { Dataset, loadDataset, loadLabels } from '../../data/dataset';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { readKeyFile } from '../../keys/key-file';
import { readOnnx } from '../../onnx/reader';
import { writeOnnx } from '../../onnx/writer';
import { Progress } from '../../train/fit';
import {
  CALIBRATE_DEFAULTS,
  CleanClassifier,
  calibrateNull,
  fileClassifiers,
  trainCleanModels,
} from '../../watermark/calibrate';
import { EMBED_DEFAULTS, embedWatermark } from '../../watermark/embed';
import { recordFromOnnx } from '../../watermark/metadata';
import { applicableRecord, readWatermarkedModel } from '../../watermark/model-file';
import { defaultNullPath } from '../../watermark/null-rate';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { ownerSignature } from '../../watermark/signature';
import { BaseData } from '../../watermark/verify';
import { verifyModelFile } from '../../watermark/verify-file';
import { printJson } from '../output';
import { finiteNumber, integer, nonNegativeInt, openUnit, positiveInt } from '../option-parsers';
import { fingerprintOnFile, fingerprintOnPort } from './fingerprint';
import { fingerprintRows } from '../../fingerprint/check';
import { checkResponseMark, markRows, scoreThresholdOption, statisticOption } from './response-mark';
import { checkScoreOffsets, offsetsRows } from './score-offsets';
import { MarkStatistic } from '../../response-mark/verify';
import { formatTable } from '../../text/table';

interface Common {
  owner: string;
  key: string;
  data: string;
  labels?: string;
  json?: boolean;
}

function signatureOf(o: Common): Uint8Array {
  return ownerSignature(readKeyFile(o.key), o.owner);
}

function labelledData(o: Common): BaseData & { set: Dataset } {
  const set = loadDataset(o.data);
  const labels = o.labels ? loadLabels(o.labels, set.count) : set.labels;
  if (!labels) throw new EdgelockError('E_USAGE', `'${set.name}' has no labels: pass --labels <npy>`);
  return { data: set.data, labels, count: set.count, set };
}

function progressLine(p: Progress, prefix = ''): string {
  return (
    `${prefix}epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ` +
    `acc ${(100 * p.accuracy).toFixed(2)}% ${Math.round(p.samplesPerSec)} samples/s`
  );
}

interface EmbedFlags extends Common {
  output: string;
  modelId?: string;
  triggers: number;
  strength: number;
  positions?: number;
  mix: number;
  epochs: number;
  lr: number;
  seed: number;
  threads?: number;
}

async function embedAction(input: string, f: EmbedFlags): Promise<void> {
  const out = f.output;
  checkOutputPaths([out], [input, f.key, f.data, f.labels]);
  const signature = signatureOf(f);
  const model = readOnnx(readFileBytes(input), input);
  const data = labelledData(f);
  const modelId = f.modelId ?? path.basename(out).replace(/\.onnx$/i, '');
  const t0 = Date.now();
  const r = await embedWatermark(model, {
    signature,
    modelId,
    data: data.data,
    labels: data.labels,
    count: data.count,
    triggers: f.triggers,
    strength: f.strength,
    positions: f.positions,
    mix: f.mix,
    epochs: f.epochs,
    lr: f.lr,
    seed: f.seed,
    threads: f.threads,
    onProgress: (p) => process.stderr.write(progressLine(p) + '\n'),
  });
  writeFileAtomic(out, writeOnnx(r.model));
  const summary = {
    output: out,
    modelId,
    commitment: r.record.commitment,
    triggers: r.record.triggers,
    positions: r.record.positions,
    delta: r.record.delta,
    range: r.record.range,
    epochs: r.history.length,
    finalLoss: r.history[r.history.length - 1]?.loss,
    samplesPerSec: r.history.length ? r.history.reduce((s, h) => s + h.samplesPerSec, 0) / r.history.length : 0,
    triggerAccuracy: r.triggerAccuracy,
    seconds: (Date.now() - t0) / 1000,
  };
  if (f.json) printJson(summary);
  else {
    process.stdout.write(
      `wrote ${out}: watermark '${modelId}' with ${summary.triggers} triggers (${summary.positions} stamped positions, ±${summary.delta.toPrecision(4)}), ` +
        `trigger accuracy ${(100 * r.triggerAccuracy).toFixed(1)}% after ${summary.epochs} epoch(s)\ncommitment ${summary.commitment}\n`,
    );
  }
}

interface VerifyFlags extends Common {
  null?: string;
  alpha: number;
  params?: string;
  port?: string;
  fingerprint?: string;
  responseMark?: string;
  scoreOffsets?: string;
  offsetsPool: string;
  markKey?: string;
  markPool: string;
  markPoolLimit?: number;
  markStatistic?: MarkStatistic;
  markScoreThreshold?: number;
  slot: number;
}

async function verifyAction(file: string, f: VerifyFlags, cmd: Command): Promise<void> {
  const signature = signatureOf(f);
  const model = readWatermarkedModel(file);
  const applicable = applicableRecord(model, f.params);
  const base = labelledData(f);
  if (cmd.getOptionValueSource('slot') === 'cli' && !f.port)
    throw new EdgelockError('E_USAGE', '--slot needs --port <p>');
  const progress = !f.json && process.stderr.isTTY === true;
  const port = f.port;
  const v = await verifyModelFile(model, applicable, {
    signature,
    base,
    nullSpec: f.null,
    alpha: f.alpha,
    board: port
      ? {
          port,
          slot: f.slot,
          onProgress: progress
            ? (done, total) =>
                process.stderr.write(
                  `\r${port}: ${done}/${total} triggers run on the board${done === total ? '\n' : ''}`,
                )
            : undefined,
        }
      : undefined,
  });
  const { report: r, board } = v;
  const fp = f.fingerprint
    ? port
      ? await fingerprintOnPort(port, f.slot, f.fingerprint)
      : await fingerprintOnFile(file, model.bytes, f.fingerprint)
    : null;
  if (f.responseMark && !f.markKey)
    throw new EdgelockError(
      'E_USAGE',
      "--response-mark needs --mark-key <master key> (the boards' mark keys derive from it)",
    );
  const mark = f.responseMark
    ? await checkResponseMark({
        ...(port ? { port, slot: f.slot } : { model: file }),
        key: f.markKey!,
        package: f.responseMark,
        uid: [],
        pool: f.markPool,
        ...(f.markPoolLimit !== undefined ? { poolLimit: f.markPoolLimit } : {}),
        ...(f.markStatistic !== undefined ? { statistic: f.markStatistic } : {}),
        ...(f.markScoreThreshold !== undefined ? { scoreThreshold: f.markScoreThreshold } : {}),
      })
    : null;
  if (f.scoreOffsets && !f.markKey)
    throw new EdgelockError(
      'E_USAGE',
      "--score-offsets needs --mark-key <master key> (the boards' score keys derive from it)",
    );
  const offsets = f.scoreOffsets
    ? await checkScoreOffsets({
        ...(port ? { port, slot: f.slot } : { model: file }),
        key: f.markKey!,
        package: f.scoreOffsets,
        uid: [],
        pool: f.offsetsPool,
      })
    : null;
  const paramsSource = applicable.compiledFromParams;
  if (f.json) {
    printJson({
      model: file,
      format: model.format,
      ...r,
      nullSource: v.nullSource,
      ...(paramsSource ? { compiledFromParams: paramsSource } : {}),
      ...(board
        ? { board: { port: board.port, slot: board.slot, model: board.boardModel, slotSha256: board.slotSha256 } }
        : {}),
      ...(fp ? { fingerprint: fp } : {}),
      ...(mark ? { responseMark: mark } : {}),
      ...(offsets ? { scoreOffsets: offsets } : {}),
    });
    return;
  }
  process.stdout.write(
    formatTable(
      ['check', 'result'],
      [
        ...(board ? [['labels from', `board on ${board.port}, slot ${board.slot} (model ${board.boardModel})`]] : []),
        ['trigger matches', `${r.matches}/${r.triggers}`],
        ['null match rate', `${r.nullRate.toPrecision(4)} (${v.nullSource})`],
        ['p-value (exact binomial)', r.pValue > 0 ? r.pValue.toExponential(3) : `10^${r.log10PValue.toFixed(1)}`],
        ['commitment', r.commitment],
        ['base data', r.baseData],
        ...(paramsSource ? [['compiled from --params model', paramsSource]] : []),
        ['verdict', `${r.verdict} (alpha ${v.alpha})`],
        ...(fp ? fingerprintRows(fp) : []),
        ...(mark ? markRows(mark).map(([k, v]) => [`response ${k}`, v]) : []),
        ...(offsets ? offsetsRows(offsets).map(([k, v]) => [`score offsets ${k}`, v]) : []),
      ],
    ) + '\n',
  );
}

interface CalibrateFlags extends Common {
  output?: string;
  models: number;
  epochs: number;
  samples?: number;
  clean?: string[];
  test?: string;
  threads?: number;
  probes: number;
}

async function calibrateAction(file: string, f: CalibrateFlags): Promise<void> {
  const signature = signatureOf(f);
  const model = readOnnx(readFileBytes(file), file);
  const params = recordFromOnnx(model, `'${file}'`);
  if (!params)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `'${file}' carries no watermark record; calibrate takes the watermarked ONNX model`,
      { file },
    );
  const base = labelledData(f);
  const out = f.output ?? defaultNullPath(file);
  checkOutputPaths([out], [file, f.key, f.data, f.labels, f.test, ...(f.clean ?? [])]);
  let classifiers: AsyncIterable<CleanClassifier> | Iterable<CleanClassifier>;
  if (f.clean && f.clean.length) classifiers = fileClassifiers(f.clean);
  else {
    const test = f.test ? loadDataset(f.test) : undefined;
    classifiers = trainCleanModels(model, base, {
      models: f.models,
      epochs: f.epochs,
      samples: f.samples,
      threads: f.threads,
      test: test && test.labels ? { data: test.data, labels: test.labels, count: test.count } : undefined,
      onProgress: (m, p) => process.stderr.write(progressLine(p, `clean model ${m + 1}/${f.models}: `) + '\n'),
    });
  }
  const n = await calibrateNull(signature, params, base, classifiers, f.probes, (r) =>
    process.stderr.write(
      `${r.model}: ${r.matches}/${r.trials} trigger matches${r.accuracy !== undefined ? `, test accuracy ${(100 * r.accuracy).toFixed(2)}%` : ''}\n`,
    ),
  );
  writeFileAtomic(out, JSON.stringify(n, null, 2) + '\n');
  if (f.json) printJson({ output: out, ...n });
  else {
    process.stdout.write(
      `wrote ${out}: ${n.models.length} clean models × ${n.signatures} signatures, pooled ${n.pooledMatches}/${n.pooledTrials} matches, ` +
        `${(100 * n.confidence).toFixed(1)}% upper bound ${n.upperBound.toPrecision(3)}, max ` +
        `model ${n.maxModelRate.toPrecision(3)} → null rate ${n.nullRate.toPrecision(4)}\n`,
    );
  }
}

const common = (c: Command): Command =>
  c
    .requiredOption('--owner <id>', 'owner id (the HMAC message)')
    .requiredOption('--key <keyfile>', 'the owner key: a 32-byte file (edgelock keygen)')
    .requiredOption('--data <data>', 'base/training samples: a float32 .npy (first dim = samples) or mnist-train')
    .option('--labels <npy>', 'integer labels for a .npy --data')
    .option('--json', 'print one JSON object');

export function register(program: Command): Command {
  const wm = program.command('watermark').description('embed, verify and calibrate black-box ownership watermarks');
  common(
    wm
      .command('embed <in.onnx>')
      .description('fine-tune the model on its data mixed with signature-derived triggers; write the watermarked ONNX')
      .requiredOption('-o, --output <out.onnx>', 'the watermarked model to write')
      .option('--model-id <id>', 'model id bound by the commitment (default: the output file name)')
      .option('--triggers <n>', 'number of triggers', positiveInt, EMBED_DEFAULTS.triggers)
      .option('--strength <s>', 'stamp amplitude in data standard deviations', finiteNumber, EMBED_DEFAULTS.strength)
      .option(
        '--positions <n>',
        `stamped input positions (default ${100 * EMBED_DEFAULTS.positionsFraction}% of the input)`,
        positiveInt,
      )
      .option('--mix <f>', 'stamped samples per epoch, as a fraction of the data', finiteNumber, EMBED_DEFAULTS.mix)
      .option('--epochs <n>', 'fine-tuning epochs', positiveInt, EMBED_DEFAULTS.epochs)
      .option('--lr <r>', 'SGD learning rate (momentum 0.9)', finiteNumber, EMBED_DEFAULTS.lr)
      .option('--seed <n>', 'shuffling seed', integer, EMBED_DEFAULTS.seed)
      .option('--threads <n>', 'training threads (default: all cores)', positiveInt),
  ).action(embedAction);
  common(
    wm
      .command('verify <model>')
      .description('query an ONNX or TFLite model with the owner triggers; exact binomial p-value and verdict')
      .option(
        '--null <file|rate>',
        'null match rate: a calibration JSON or a number (default <model>.wm-null.json, else 1/C)',
      )
      .option('--alpha <a>', 'p-value threshold for the verdict', openUnit, DEFAULT_ALPHA)
      .option(
        '--params <file>',
        'watermark record source for models without one: the watermarked .onnx or a record JSON',
      )
      .option(
        '--port <port>',
        'check on a board: its installed model answers the triggers it regenerates itself (the file gives the watermark record)',
      )
      .option('--slot <n>', 'with --port: the model slot to check', nonNegativeInt, 0)
      .option('--fingerprint <fp.json>', 'also check the fingerprint (edgelock fingerprint create) on the same model')
      .option(
        '--response-mark <board.elp>',
        "also check a marking board's response mark (package --response-mark) on the same model: survives distillation",
      )
      .option(
        '--score-offsets <board.elp>',
        "also check a board's score offsets (package --score-offsets) on the same model's scores: survives distillation from scores",
      )
      .option('--mark-key <master.key>', 'with --response-mark or --score-offsets: the vendor master key')
      .option('--offsets-pool <data,...>', "with --score-offsets: the owner's inputs", 'mnist-test')
      .option('--mark-pool <data,...>', "with --response-mark: the owner's natural inputs", 'mnist-train,mnist-test')
      .option('--mark-pool-limit <n>', 'with --response-mark: use the first n pool inputs', positiveInt)
      .addOption(statisticOption('--mark-statistic <s>', 'with --response-mark: '))
      .addOption(scoreThresholdOption('--mark-score-threshold <p>', 'with --mark-statistic scores')),
  ).action(verifyAction);
  common(
    wm
      .command('calibrate <watermarked.onnx>')
      .description('measure the chance trigger match rate of clean models of the same architecture')
      .option('-o, --output <null.json>', 'where to write the calibration (default <model>.wm-null.json)')
      .option('--models <n>', 'clean models to train', positiveInt, CALIBRATE_DEFAULTS.models)
      .option('--epochs <n>', 'epochs per clean model', positiveInt, CALIBRATE_DEFAULTS.epochs)
      .option('--samples <n>', 'training samples per clean model (default all)', positiveInt)
      .option('--clean <files...>', 'use these clean model files instead of training')
      .option('--test <data>', "labelled test data to report the clean models' accuracy (e.g. mnist-test)")
      .option('--probes <n>', "probe signatures in addition to the owner's", nonNegativeInt, CALIBRATE_DEFAULTS.probes)
      .option('--threads <n>', 'training threads', positiveInt),
  ).action(calibrateAction);
  return wm;
}
