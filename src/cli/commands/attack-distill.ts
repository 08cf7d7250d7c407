/**
 * `edgelock attack [model] --only distill`: the extraction attack (src/attack/extraction.ts) against a model file
 * or a board (--port), with the ownership checks on the copy. Flags are parsed here into ExtractionOptions.
 */
import * as fs from 'fs';
import { loadDataset, loadLabels } from '../../data/dataset';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { detectFormat } from '../../formats/detect';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { readKeyFile } from '../../keys/key-file';
import { readOnnx } from '../../onnx/reader';
import { writeOnnx } from '../../onnx/writer';
import { LabelledData } from '../../train/fit';
import { WatermarkRecord, parseRecord, recordFromOnnx, recordFromTflite } from '../../watermark/metadata';
import { defaultNullPath, resolveNull } from '../../watermark/null-rate';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { ownerSignature } from '../../watermark/signature';
import { triggerPlan } from '../../watermark/triggers';
import { LabelKind } from '../../attack/distill';
import { ExtractionOptions, ExtractionReport, runExtraction } from '../../attack/extraction';
import { formatExtractionReport } from '../../attack/extraction-text';
import { OwnershipInputs } from '../../attack/ownership';
import { Victim, boardVictim, fileVictim } from '../../attack/victim';
import { printJson } from '../output';
import { keyMaterialFromFlags } from './key-flags';
import { prepareMarkCheck } from './response-mark';
import { prepareOffsetsCheck } from './score-offsets';
import { MarkStatistic } from '../../response-mark/verify';

/** What the flags of the extraction attack are when not given (help prints them). */
export const DISTILL_CLI_DEFAULTS = { queries: 6000, ownerCalib: 500 };

/** The `attack` flags as commander parsed them (src/cli/option-parsers.ts). */
export interface DistillFlags {
  data?: string;
  labels?: string;
  test: string;
  testLabels?: string;
  testLimit?: number;
  epochs?: number;
  seed: number;
  queries?: number;
  temperature?: number;
  arch?: string;
  port?: string;
  slot?: number;
  key?: string;
  deviceUid?: string;
  owner?: string;
  ownerKey?: string;
  params?: string;
  base?: string;
  null?: string;
  alpha?: number;
  ownerCalib?: number;
  threads?: number;
  lr?: number;
  shift?: number;
  output?: string;
  responseMark?: string;
  scoreOffsets?: string;
  offsetsPool?: string;
  markKey?: string;
  markPool?: string;
  markPoolLimit?: number;
  markStatistic?: MarkStatistic;
  markScoreThreshold?: number;
  json?: boolean;
}

/** Flags that only mean something for the extraction attack (a lock attack refuses them). */
export const DISTILL_ONLY_FLAGS: (keyof DistillFlags)[] = [
  'queries',
  'temperature',
  'arch',
  'port',
  'slot',
  'key',
  'deviceUid',
  'owner',
  'ownerKey',
  'params',
  'base',
  'null',
  'alpha',
  'ownerCalib',
  'threads',
  'lr',
  'shift',
  'output',
  'responseMark',
  'scoreOffsets',
  'offsetsPool',
  'markKey',
  'markPool',
  'markPoolLimit',
  'markStatistic',
  'markScoreThreshold',
];

const LABEL_KINDS: LabelKind[] = ['hard', 'soft'];

function labelledOrNot(spec: string, labelsFile: string | undefined, what: string, limit?: number): LabelledData {
  const ds = loadDataset(spec);
  const labels = labelsFile ? loadLabels(labelsFile, ds.count) : ds.labels;
  if (!labels) throw new EdgelockError('E_USAGE', `the ${what} '${spec}' carries no labels; pass its labels file`);
  const count = limit !== undefined ? Math.min(limit, ds.count) : ds.count;
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  return { x: ds.data.subarray(0, count * size), labels: labels.subarray(0, count), count };
}

/** The watermark record: --params (a watermarked ONNX or its record as JSON), else the victim file's own. */
function watermarkRecord(
  f: DistillFlags,
  file: string | undefined,
  bytes: Uint8Array | undefined,
): WatermarkRecord | undefined {
  if (f.params) {
    const p = readFileBytes(f.params);
    if (detectFormat(p) === 'onnx') {
      const r = recordFromOnnx(readOnnx(p, f.params), `'${f.params}'`);
      if (!r)
        throw new EdgelockError('E_WATERMARK_PARAMS', `'${f.params}' carries no watermark record`, { file: f.params });
      return r;
    }
    return parseRecord(Buffer.from(p).toString('utf8'), `'${f.params}'`);
  }
  if (!file || !bytes) return undefined;
  const format = detectFormat(bytes);
  if (format === 'onnx') return recordFromOnnx(readOnnx(bytes, file), `'${file}'`) ?? undefined;
  if (format === 'tflite') return recordFromTflite(bytes, `'${file}'`) ?? undefined;
  return undefined;
}

function ownershipInputs(
  f: DistillFlags,
  file: string | undefined,
  bytes: Uint8Array | undefined,
): { inputs: OwnershipInputs; triggerBases: number[] } {
  if ((f.owner === undefined) !== (f.ownerKey === undefined))
    throw new EdgelockError('E_USAGE', '--owner <id> and --owner-key <keyfile> go together');
  const alpha = f.alpha ?? DEFAULT_ALPHA;
  const signature = f.owner ? ownerSignature(readKeyFile(f.ownerKey!), f.owner) : undefined;
  const watermark = watermarkRecord(f, file, bytes);
  const inputs: OwnershipInputs = { alpha, ...(signature ? { signature } : {}), ...(watermark ? { watermark } : {}) };
  let triggerBases: number[] = [];
  if (signature && watermark) {
    const baseSpec = f.base ?? 'mnist-train';
    const ds = loadDataset(baseSpec);
    if (!ds.labels) throw new EdgelockError('E_USAGE', `the base data '${baseSpec}' carries no labels`);
    inputs.base = { data: ds.data, labels: ds.labels, count: ds.count };
    const nullSpec = f.null ?? (file && fs.existsSync(defaultNullPath(file)) ? defaultNullPath(file) : undefined);
    const n = nullSpec
      ? resolveNull(nullSpec, watermark.classes)
      : { nullRate: 1 / watermark.classes, source: '1/C (uncalibrated)' };
    inputs.nullRate = n.nullRate;
    inputs.nullSource = n.source;
    // The base images the owner's triggers are stamped on are not queried when they come from the attacker's pool.
    if (baseSpec === (f.data ?? 'mnist-train') && ds.count === watermark.baseCount)
      triggerBases = triggerPlan(signature, watermark).bases;
  }
  return { inputs, triggerBases };
}

export async function distillAction(file: string | undefined, f: DistillFlags): Promise<void> {
  if (!file && !f.port)
    throw new EdgelockError('E_USAGE', 'give the victim: a model file (.onnx or .tflite) or a board (--port <p>)');
  if (f.slot !== undefined && !f.port) throw new EdgelockError('E_USAGE', '--slot needs --port <p>');
  if (f.port && (f.key || f.deviceUid))
    throw new EdgelockError('E_USAGE', '--key unlocks a victim file; a board runs its model with its own key');
  const labels = (f.labels ?? 'hard') as LabelKind;
  if (!LABEL_KINDS.includes(labels))
    throw new EdgelockError('E_USAGE', `--labels must be hard or soft for the extraction attack, got '${f.labels}'`);
  if (f.temperature !== undefined && labels !== 'soft')
    throw new EdgelockError('E_USAGE', '--temperature applies to --labels soft');
  const { temperature, epochs, seed, threads, lr, shift, slot } = f;
  const calib = f.ownerCalib ?? DISTILL_CLI_DEFAULTS.ownerCalib;
  checkOutputPaths(
    [f.output],
    [
      file,
      f.key,
      f.ownerKey,
      f.params,
      f.responseMark,
      f.scoreOffsets,
      f.markKey,
      f.data,
      f.test,
      f.testLabels,
      f.base,
      f.arch === 'same' ? undefined : f.arch,
    ],
  );
  const bytes = file ? readFileBytes(file) : undefined;
  const material = keyMaterialFromFlags(f);
  const { inputs, triggerBases } = ownershipInputs(f, file, bytes);
  if ((f.responseMark === undefined && f.scoreOffsets === undefined) !== (f.markKey === undefined))
    throw new EdgelockError(
      'E_USAGE',
      '--mark-key <master key> goes with --response-mark <board.elp> or --score-offsets <board.elp>',
    );
  if (f.offsetsPool !== undefined && f.scoreOffsets === undefined)
    throw new EdgelockError('E_USAGE', '--offsets-pool goes with --score-offsets');
  if (f.markScoreThreshold !== undefined && f.markStatistic !== 'scores')
    throw new EdgelockError('E_USAGE', '--mark-score-threshold goes with --mark-statistic scores');
  if (f.markStatistic !== undefined && !f.responseMark)
    throw new EdgelockError('E_USAGE', '--mark-statistic goes with --response-mark');
  const mark = f.responseMark
    ? await prepareMarkCheck({
        key: f.markKey!,
        package: f.responseMark,
        uid: [],
        pool: f.markPool ?? 'mnist-train,mnist-test',
        ...(f.markPoolLimit !== undefined ? { poolLimit: f.markPoolLimit } : {}),
        ...(f.markStatistic !== undefined ? { statistic: f.markStatistic } : {}),
        ...(f.markScoreThreshold !== undefined ? { scoreThreshold: f.markScoreThreshold } : {}),
      })
    : undefined;
  if (mark) inputs.responseMark = (subject) => mark.run(subject);
  const offsets = f.scoreOffsets
    ? await prepareOffsetsCheck({
        key: f.markKey!,
        package: f.scoreOffsets,
        uid: [],
        pool: f.offsetsPool ?? 'mnist-test',
      })
    : undefined;
  if (offsets) inputs.scoreOffsets = (subject) => offsets.run(subject);
  const poolSet = loadDataset(f.data ?? 'mnist-train');
  const poolLabels = poolSet.labels ?? new Uint8Array(poolSet.count).fill(255);
  const pool: LabelledData = { x: poolSet.data, labels: poolLabels, count: poolSet.count };
  const test = labelledOrNot(f.test, f.testLabels, 'test data', f.testLimit);
  const options: ExtractionOptions = {
    queries: f.queries ?? DISTILL_CLI_DEFAULTS.queries,
    labels,
    ...(temperature !== undefined ? { temperature } : {}),
    arch: f.arch ?? 'same',
    ...(epochs !== undefined ? { epochs } : {}),
    ...(lr !== undefined ? { lr } : {}),
    ...(shift ? { shift } : {}),
    seed,
    ...(threads !== undefined ? { threads } : {}),
    pool,
    poolLabelled: !!poolSet.labels,
    exclude: { calibration: Array.from({ length: Math.min(calib, pool.count) }, (_, i) => i), triggers: triggerBases },
    test,
    ownership: inputs,
    log: f.json ? undefined : (line) => process.stderr.write(line + '\n'),
  };
  const run = async (victim: Victim): Promise<ExtractionReport> => {
    try {
      return await runExtraction(victim, options);
    } finally {
      victim.dispose();
    }
  };
  let report: ExtractionReport;
  try {
    report = f.port
      ? await withDevice(f.port, async (client) => run(await boardVictim(client, f.port!, slot)))
      : await run(await fileVictim(file!, bytes!, material));
  } finally {
    mark?.dispose();
    offsets?.dispose();
  }
  const { copyModel, ...rest } = report;
  if (f.output) writeFileAtomic(f.output, writeOnnx(copyModel));
  const out = {
    attack: 'distill',
    ...rest,
    ...(inputs.nullSource ? { nullSource: inputs.nullSource } : {}),
    ...(f.output ? { output: f.output } : {}),
  };
  if (f.json) printJson(out);
  else
    process.stdout.write(formatExtractionReport(report) + (f.output ? `\nwrote the copy to ${f.output}` : '') + '\n');
}
