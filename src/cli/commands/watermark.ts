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
 * Ctrl-C during training ends the process before anything is written; outputs are written
 * atomically (temp file + rename) only after training.
 */
import { Command } from 'commander';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Dataset, loadDataset, loadLabels } from '../../data/dataset';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { detectFormat } from '../../formats/detect';
import { FORMAT_TITLES, readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { readKeyFile } from '../../keys/key-file';
import { readOnnx } from '../../onnx/reader';
import { readTflite } from '../../tflite/reader';
import { recordedInputLayouts } from '../../tflite/affine';
import { writeOnnx } from '../../onnx/writer';
import { Progress } from '../../train/fit';
import { CleanClassifier, calibrateNull, trainCleanModels } from '../../watermark/calibrate';
import { embedWatermark } from '../../watermark/embed';
import { WatermarkRecord, parseRecord, recordFromOnnx, recordFromTflite } from '../../watermark/metadata';
import { defaultNullPath, resolveNull } from '../../watermark/null-rate';
import { RUNNERS } from '../../watermark/runners';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { ownerSignature } from '../../watermark/signature';
import { BaseData, VerifyReport, VerifyRequest, verifyWithRunner } from '../../watermark/verify';
import { withDevice } from '../../device/client';
import { verifyOnDevice } from '../../watermark/device';
import { printJson } from '../output';
import { fingerprintOnFile, fingerprintOnPort } from './fingerprint';
import { fingerprintRows } from '../../fingerprint/check';
import { formatTable } from '../../text/table';

interface Common {
  owner?: string;
  key?: string;
  data?: string;
  labels?: string;
  json?: boolean;
}

function need<T>(v: T | undefined, flag: string): T {
  if (v === undefined || v === '') throw new EdgelockError('E_USAGE', `missing ${flag}`);
  return v;
}

function num(v: string | undefined, flag: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new EdgelockError('E_USAGE', `${flag} needs a${integer ? 'n integer' : ' number'}, got '${v}'`);
  return n;
}

function signatureOf(o: Common): Uint8Array {
  return ownerSignature(readKeyFile(need(o.key, '--key <keyfile>')), need(o.owner, '--owner <id>'));
}

function labelledData(o: Common): BaseData & { set: Dataset } {
  const set = loadDataset(need(o.data, '--data <npy|mnist-train>'));
  const labels = o.labels ? loadLabels(o.labels, set.count) : set.labels;
  if (!labels) throw new EdgelockError('E_USAGE', `'${set.name}' has no labels: pass --labels <npy>`);
  return { data: set.data, labels, count: set.count, set };
}

function progressLine(p: Progress, prefix = ''): string {
  return `${prefix}epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${(100 * p.accuracy).toFixed(2)}% ${Math.round(p.samplesPerSec)} samples/s`;
}

function modelFile(file: string): { bytes: Uint8Array; format: 'onnx' | 'tflite' } {
  const bytes = readFileBytes(file);
  const format = detectFormat(bytes);
  if (format !== 'onnx' && format !== 'tflite') {
    throw new EdgelockError(
      format === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
      `'${file}' is ${FORMAT_TITLES[format]}; watermarks are checked on ONNX or TFLite models`,
      { file },
    );
  }
  return { bytes, format };
}

function recordOf(file: string, bytes: Uint8Array, format: 'onnx' | 'tflite'): WatermarkRecord | null {
  return format === 'onnx' ? recordFromOnnx(readOnnx(bytes, file), `'${file}'`) : recordFromTflite(bytes, `'${file}'`);
}

/** --params: the watermarked ONNX model or a JSON copy of its record (with the SHA-256 of an ONNX source). */
function recordFromParams(file: string): { record: WatermarkRecord; onnxSha256?: string } {
  const bytes = readFileBytes(file);
  if (detectFormat(bytes) === 'onnx') {
    const r = recordFromOnnx(readOnnx(bytes, file), `'${file}'`);
    if (!r) throw new EdgelockError('E_WATERMARK_PARAMS', `'${file}' carries no watermark record`, { file });
    return { record: r, onnxSha256: createHash('sha256').update(bytes).digest('hex') };
  }
  return { record: parseRecord(Buffer.from(bytes).toString('utf8'), `'${file}'`) };
}

/** Whether a compiled .tflite names the --params ONNX file as its source (edgelock provenance metadata). */
function compiledFrom(tflite: Uint8Array, onnxSha256: string | undefined): 'match' | 'mismatch' | 'unknown' {
  const text = readTflite(tflite).metadata.find((m) => m.name === 'edgelock')?.text;
  if (!text || !onnxSha256) return 'unknown';
  try {
    return (JSON.parse(text) as { sourceSha256?: string }).sourceSha256 === onnxSha256 ? 'match' : 'mismatch';
  } catch {
    return 'unknown';
  }
}

interface EmbedFlags extends Common {
  output?: string;
  modelId?: string;
  triggers?: string;
  strength?: string;
  positions?: string;
  mix?: string;
  epochs?: string;
  lr?: string;
  seed?: string;
  threads?: string;
}

async function embedAction(input: string, f: EmbedFlags): Promise<void> {
  const out = need(f.output, '-o <out.onnx>');
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
    triggers: num(f.triggers, '--triggers', true),
    strength: num(f.strength, '--strength'),
    positions: num(f.positions, '--positions', true),
    mix: num(f.mix, '--mix'),
    epochs: num(f.epochs, '--epochs', true),
    lr: num(f.lr, '--lr'),
    seed: num(f.seed, '--seed', true),
    threads: num(f.threads, '--threads', true),
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
  alpha?: string;
  params?: string;
  port?: string;
  slot?: string;
  fingerprint?: string;
}

/** Channels C when a .tflite takes its rank-4 input channels-last (edgelock's default), 1 when it takes ONNX order. */
function tfliteChannels(bytes: Uint8Array): number {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  const shape = sg ? sg.tensors[sg.inputs[0]]?.shape : undefined;
  if (!shape || shape.length !== 4) return 1;
  const layout = recordedInputLayouts(info.metadata)?.[0];
  return (layout ?? 'nhwc') === 'nhwc' ? shape[3] : 1;
}

interface BoardCheck {
  report: VerifyReport;
  port: string;
  slot: number;
  /** whether the slot holds exactly the .tflite file given (unknown for an ONNX file) */
  boardModel: 'same as the file' | 'differs from the file' | 'unknown';
  slotSha256: string;
}

async function verifyOnBoard(
  port: string,
  slot: number,
  bytes: Uint8Array,
  format: 'onnx' | 'tflite',
  req: VerifyRequest,
  progress: boolean,
): Promise<BoardCheck> {
  return withDevice(port, async (client) => {
    const info = await client.info();
    const s = info.modelSlots[slot];
    if (!s)
      throw new EdgelockError(
        'E_USAGE',
        `--slot ${slot}: the board on ${port} has ${info.modelSlots.length} model slots`,
      );
    const fileSha = createHash('sha256').update(bytes).digest('hex');
    const boardModel =
      format === 'tflite' ? (s.sha256 === fileSha ? 'same as the file' : 'differs from the file') : 'unknown';
    const report = await verifyOnDevice(client, {
      ...req,
      slot,
      channels: format === 'tflite' ? tfliteChannels(bytes) : undefined,
      onProgress: progress
        ? (done, total) =>
            process.stderr.write(`\r${port}: ${done}/${total} triggers run on the board${done === total ? '\n' : ''}`)
        : undefined,
    });
    return { report, port, slot, boardModel, slotSha256: s.sha256 };
  });
}

async function verifyAction(file: string, f: VerifyFlags): Promise<void> {
  const signature = signatureOf(f);
  const { bytes, format } = modelFile(file);
  const record = recordOf(file, bytes, format);
  const fromParams = !record && f.params ? recordFromParams(f.params) : null;
  const params = record ?? fromParams?.record ?? null;
  if (!params) {
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `'${file}' carries no watermark record`,
      { file },
      'pass --params <the watermarked .onnx> for a model compiled without the record',
    );
  }
  const base = labelledData(f);
  const slot = num(f.slot, '--slot', true) ?? 0;
  if (f.slot !== undefined && !f.port) throw new EdgelockError('E_USAGE', '--slot needs --port <p>');
  const runner = f.port ? null : await RUNNERS[format]!(bytes, file);
  try {
    const nullSpec = f.null ?? (fs.existsSync(defaultNullPath(file)) ? defaultNullPath(file) : undefined);
    const { nullRate, source } = nullSpec
      ? resolveNull(nullSpec, params.classes)
      : { nullRate: 1 / params.classes, source: `1/C (uncalibrated)` };
    const alpha = num(f.alpha, '--alpha') ?? DEFAULT_ALPHA;
    const req: VerifyRequest = { signature, params, record, base, nullRate, alpha };
    const board = f.port
      ? await verifyOnBoard(f.port, slot, bytes, format, req, !f.json && process.stderr.isTTY === true)
      : null;
    const r = board ? board.report : await verifyWithRunner(runner!, req);
    const fp = f.fingerprint
      ? f.port
        ? await fingerprintOnPort(f.port, slot, f.fingerprint)
        : await fingerprintOnFile(file, bytes, f.fingerprint)
      : null;
    const paramsSource = fromParams && format === 'tflite' ? compiledFrom(bytes, fromParams.onnxSha256) : undefined;
    const result = {
      model: file,
      format,
      ...r,
      nullSource: source,
      ...(paramsSource ? { compiledFromParams: paramsSource } : {}),
      ...(board
        ? { board: { port: board.port, slot: board.slot, model: board.boardModel, slotSha256: board.slotSha256 } }
        : {}),
      ...(fp ? { fingerprint: fp } : {}),
    };
    if (f.json) printJson(result);
    else {
      process.stdout.write(
        formatTable(
          ['check', 'result'],
          [
            ...(board
              ? [['labels from', `board on ${board.port}, slot ${board.slot} (model ${board.boardModel})`]]
              : []),
            ['trigger matches', `${r.matches}/${r.triggers}`],
            ['null match rate', `${r.nullRate.toPrecision(4)} (${source})`],
            ['p-value (exact binomial)', r.pValue > 0 ? r.pValue.toExponential(3) : `10^${r.log10PValue.toFixed(1)}`],
            ['commitment', r.commitment],
            ['base data', r.baseData],
            ...(paramsSource ? [['compiled from --params model', paramsSource]] : []),
            ['verdict', `${r.verdict} (alpha ${alpha})`],
            ...(fp ? fingerprintRows(fp) : []),
          ],
        ) + '\n',
      );
    }
  } finally {
    runner?.dispose();
  }
}

interface CalibrateFlags extends Common {
  output?: string;
  models?: string;
  epochs?: string;
  samples?: string;
  clean?: string[];
  test?: string;
  threads?: string;
  probes?: string;
}

async function calibrateAction(file: string, f: CalibrateFlags): Promise<void> {
  const signature = signatureOf(f);
  const bytes = readFileBytes(file);
  const model = readOnnx(bytes, file);
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
  if (f.clean && f.clean.length) {
    classifiers = (async function* () {
      for (const c of f.clean!) {
        const m = modelFile(c);
        const runner = await RUNNERS[m.format]!(m.bytes, c);
        try {
          yield { name: c, predict: (x, n) => runner.predict(x, n) };
        } finally {
          runner.dispose();
        }
      }
    })();
  } else {
    const test = f.test ? loadDataset(f.test) : undefined;
    const models = num(f.models, '--models', true) ?? 10;
    classifiers = trainCleanModels(model, base, {
      models,
      epochs: num(f.epochs, '--epochs', true) ?? 1,
      samples: num(f.samples, '--samples', true),
      threads: num(f.threads, '--threads', true),
      test: test && test.labels ? { data: test.data, labels: test.labels, count: test.count } : undefined,
      onProgress: (m, p) => process.stderr.write(progressLine(p, `clean model ${m + 1}/${models}: `) + '\n'),
    });
  }
  const n = await calibrateNull(signature, params, base, classifiers, num(f.probes, '--probes', true) ?? 9, (r) =>
    process.stderr.write(
      `${r.model}: ${r.matches}/${r.trials} trigger matches${r.accuracy !== undefined ? `, test accuracy ${(100 * r.accuracy).toFixed(2)}%` : ''}\n`,
    ),
  );
  writeFileAtomic(out, JSON.stringify(n, null, 2) + '\n');
  if (f.json) printJson({ output: out, ...n });
  else {
    process.stdout.write(
      `wrote ${out}: ${n.models.length} clean models × ${n.signatures} signatures, pooled ${n.pooledMatches}/${n.pooledTrials} matches, ` +
        `${(100 * n.confidence).toFixed(1)}% upper bound ${n.upperBound.toPrecision(3)}, max model ${n.maxModelRate.toPrecision(3)} → null rate ${n.nullRate.toPrecision(4)}\n`,
    );
  }
}

const common = (c: Command): Command =>
  c
    .option('--owner <id>', 'owner id (the HMAC message)')
    .option('--key <keyfile>', 'the owner key: a 32-byte file (edgelock keygen)')
    .option('--data <data>', 'base/training samples: a float32 .npy (first dim = samples) or mnist-train')
    .option('--labels <npy>', 'integer labels for a .npy --data')
    .option('--json', 'print one JSON object');

export function register(program: Command): Command {
  const wm = program.command('watermark').description('embed, verify and calibrate black-box ownership watermarks');
  common(
    wm
      .command('embed <in.onnx>')
      .description('fine-tune the model on its data mixed with signature-derived triggers; write the watermarked ONNX')
      .option('-o, --output <out.onnx>', 'the watermarked model to write')
      .option('--model-id <id>', 'model id bound by the commitment (default: the output file name)')
      .option('--triggers <n>', 'number of triggers (default 100)')
      .option('--strength <s>', 'stamp amplitude in data standard deviations (default 1.5)')
      .option('--positions <n>', 'stamped input positions (default 5% of the input)')
      .option('--mix <f>', 'stamped samples per epoch, as a fraction of the data (default 0.1)')
      .option('--epochs <n>', 'fine-tuning epochs (default 2)')
      .option('--lr <r>', 'SGD learning rate (default 0.01, momentum 0.9)')
      .option('--seed <n>', 'shuffling seed')
      .option('--threads <n>', 'training threads (default: all cores)'),
  ).action(embedAction);
  common(
    wm
      .command('verify <model>')
      .description('query an ONNX or TFLite model with the owner triggers; exact binomial p-value and verdict')
      .option(
        '--null <file|rate>',
        'null match rate: a calibration JSON or a number (default <model>.wm-null.json, else 1/C)',
      )
      .option('--alpha <a>', `p-value threshold for the verdict (default ${DEFAULT_ALPHA})`)
      .option(
        '--params <file>',
        'watermark record source for models without one: the watermarked .onnx or a record JSON',
      )
      .option(
        '--port <port>',
        'check on a board: its installed model answers the triggers it regenerates itself (the file gives the watermark record)',
      )
      .option('--slot <n>', 'with --port: the model slot to check (default 0)')
      .option('--fingerprint <fp.json>', 'also check the fingerprint (edgelock fingerprint create) on the same model'),
  ).action(verifyAction);
  common(
    wm
      .command('calibrate <watermarked.onnx>')
      .description('measure the chance trigger match rate of clean models of the same architecture')
      .option('-o, --output <null.json>', 'where to write the calibration (default <model>.wm-null.json)')
      .option('--models <n>', 'clean models to train (default 10)')
      .option('--epochs <n>', 'epochs per clean model (default 1)')
      .option('--samples <n>', 'training samples per clean model (default all)')
      .option('--clean <files...>', 'use these clean model files instead of training')
      .option('--test <data>', "labelled test data to report the clean models' accuracy (e.g. mnist-test)")
      .option('--probes <n>', "probe signatures in addition to the owner's (default 9)")
      .option('--threads <n>', 'training threads'),
  ).action(calibrateAction);
  return wm;
}
