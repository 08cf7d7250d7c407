/**
 * `edgelock fingerprint create <owner.onnx> -o <fp.json> [--data mnist-train] [--seeds mnist-test]
 *   [--architecture <other.onnx>...] [--surrogates n] [--references n] [--calibration n] [--count n] …`
 * `edgelock fingerprint verify <fp.json> (--model <file> | --port <p> [--slot n]) [--alpha a] [--json]`
 * Ownership evidence that survives distillation (src/fingerprint/, docs/watermark.md "Fingerprint").
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { loadDataset } from '../../data/dataset';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { detectFormat } from '../../formats/detect';
import { loadOnnxFile, readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { readFingerprint, writeFingerprint } from '../../fingerprint/artefact';
import { checkFingerprintFile, checkFingerprintOnBoard, fingerprintRows } from '../../fingerprint/check';
import { createFingerprint } from '../../fingerprint/create';
import { FingerprintReport } from '../../fingerprint/verify';
import { readOnnx } from '../../onnx/reader';
import { writeOnnx } from '../../onnx/writer';
import { formatTable } from '../../text/table';
import { printJson } from '../output';
import { collect, intRange, openUnit, positiveInt, positiveNumber } from '../option-parsers';
import { LIMITS } from '../../protocol/definition';
import { DEFAULT_ALPHA } from '../../watermark/score';

function labelled(spec: string) {
  const d = loadDataset(spec);
  if (!d.labels) throw new EdgelockError('E_USAGE', `'${spec}' has no labels (fingerprinting needs labelled data)`);
  return { x: d.data, labels: d.labels, count: d.count };
}

interface CreateFlags {
  output: string;
  data: string;
  seeds: string;
  architecture: string[];
  surrogates: number;
  references: number;
  calibration: number;
  surrogateSamples: number;
  surrogateEpochs: number;
  referenceSamples: number;
  referenceEpochs: number;
  count: number;
  candidates: number;
  epsilon: number;
  steps: number;
  refWeight: number;
  seed: number;
  threads?: number;
  cache?: string;
  json?: boolean;
}

async function createAction(input: string, f: CreateFlags): Promise<void> {
  checkOutputPaths([f.output], [input, ...f.architecture]);
  const ownerBytes = readFileBytes(input);
  const owner = readOnnx(ownerBytes, input);
  const architectures = [
    { name: path.basename(input).replace(/\.onnx$/i, ''), model: owner },
    ...f.architecture.map((a) => ({ name: path.basename(a).replace(/\.onnx$/i, ''), model: loadOnnxFile(a) })),
  ];
  const cache = f.cache;
  if (cache) fs.mkdirSync(cache, { recursive: true });
  const t0 = Date.now();
  const r = await createFingerprint({
    owner,
    ownerBytes,
    architectures,
    pool: labelled(f.data),
    seeds: labelled(f.seeds),
    surrogates: f.surrogates,
    references: f.references,
    calibration: f.calibration,
    surrogateBudget: { samples: f.surrogateSamples, epochs: f.surrogateEpochs },
    referenceBudget: { samples: f.referenceSamples, epochs: f.referenceEpochs },
    count: f.count,
    candidates: f.candidates,
    epsilon: f.epsilon,
    steps: f.steps,
    refWeight: f.refWeight,
    range: [0, 1],
    seed: f.seed,
    threads: f.threads,
    train: cache
      ? async (key, make) => {
          const file = path.join(cache, `${key}.onnx`);
          if (fs.existsSync(file)) return readOnnx(readFileBytes(file), file);
          const m = await make();
          writeFileAtomic(file, writeOnnx(m));
          return m;
        }
      : undefined,
    log: (line) => process.stderr.write(line + '\n'),
  });
  writeFingerprint(f.output, r.fingerprint);
  const fp = r.fingerprint;
  const summary = {
    output: f.output,
    count: fp.count,
    conferrable: r.conferrable,
    nullRate: fp.null.nullRate,
    nullModels: fp.null.models,
    seconds: (Date.now() - t0) / 1000,
  };
  if (f.json) printJson(summary);
  else
    process.stdout.write(
      `wrote ${f.output}: ${fp.count} fingerprint inputs (${r.conferrable} conferrable of ${fp.crafting.candidates}); ` +
        `null rate ${fp.null.nullRate.toFixed(3)} from ${fp.null.models.length} independent models\n`,
    );
}

interface VerifyFlags {
  model?: string;
  port?: string;
  slot?: number;
  alpha?: number;
  json?: boolean;
}

/** Reads --fingerprint for the commands that check it beside the trigger watermark. */
export { readFingerprint } from '../../fingerprint/artefact';

export async function fingerprintOnPort(port: string, slot: number, fpFile: string, alpha?: number) {
  const fp = readFingerprint(fpFile);
  return withDevice(port, (client) => checkFingerprintOnBoard(client, slot, fp, alpha));
}

export async function fingerprintOnFile(file: string, bytes: Uint8Array, fpFile: string, alpha?: number) {
  const format = detectFormat(bytes);
  if (format !== 'onnx' && format !== 'tflite')
    throw new EdgelockError('E_FORMAT_MISMATCH', `'${file}' is not an ONNX or TFLite model`, { file });
  return checkFingerprintFile(bytes, format, file, readFingerprint(fpFile), alpha);
}

async function verifyAction(fpFile: string, f: VerifyFlags): Promise<void> {
  if (!f.model === !f.port) throw new EdgelockError('E_USAGE', 'give one of --model <file> or --port <serial port>');
  if (f.slot !== undefined && !f.port) throw new EdgelockError('E_USAGE', '--slot needs --port <p>');
  const { alpha } = f;
  const slot = f.slot ?? 0;
  const r: FingerprintReport = f.port
    ? await fingerprintOnPort(f.port, slot, fpFile, alpha)
    : await fingerprintOnFile(f.model!, readFileBytes(f.model!), fpFile, alpha);
  const where = f.port ? `board on ${f.port}, slot ${slot}` : f.model!;
  if (f.json) printJson({ fingerprint: fpFile, suspect: where, ...r });
  else process.stdout.write(formatTable(['check', 'result'], [['suspect', where], ...fingerprintRows(r)]) + '\n');
}

export function register(program: Command): Command {
  const fp = program
    .command('fingerprint')
    .description('ownership evidence that survives distillation: conferrable adversarial examples');
  fp.command('create <owner.onnx>')
    .description("craft inputs whose label copies distilled from the owner's model share and independent models do not")
    .requiredOption('-o, --output <fp.json>', 'the fingerprint file to write')
    .option('--data <data>', "labelled training pool (surrogates' queries, references' training data)", 'mnist-train')
    .option('--seeds <data>', 'labelled held-out samples to craft from', 'mnist-test')
    .option(
      '--architecture <other.onnx>',
      'another architecture for surrogates and references (repeatable; the owner’s is always used)',
      collect,
      [] as string[],
    )
    .option('--surrogates <n>', 'surrogates distilled from the owner', positiveInt, 4)
    .option('--references <n>', 'independent models used in crafting', positiveInt, 4)
    .option('--calibration <n>', 'further independent models that measure the null rate', positiveInt, 4)
    .option('--surrogate-samples <n>', 'queries per surrogate', positiveInt, 10000)
    .option('--surrogate-epochs <n>', 'epochs per surrogate', positiveInt, 5)
    .option('--reference-samples <n>', 'training samples per independent model', positiveInt, 20000)
    .option('--reference-epochs <n>', 'epochs per independent model', positiveInt, 3)
    .option('--count <n>', 'fingerprint inputs', positiveInt, 200)
    .option('--candidates <n>', 'seed samples crafted', positiveInt, 1000)
    .option('--epsilon <e>', 'L∞ radius of the perturbation', positiveNumber, 0.2)
    .option('--steps <n>', 'crafting steps', positiveInt, 30)
    .option('--ref-weight <w>', "weight of the references' term", positiveNumber, 2)
    .option('--seed <n>', 'training seed', positiveInt, 1)
    .option('--threads <n>', 'training threads', positiveInt)
    .option('--cache <dir>', 'keep the trained models in this folder and reuse them')
    .option('--json', 'print one JSON object')
    .action(createAction);
  fp.command('verify <fp.json>')
    .description('query a suspect model (file or board) on the fingerprint; exact binomial p-value and verdict')
    .option('--model <file>', 'the suspect model: ONNX or TFLite')
    .option('--port <port>', 'the suspect board: its installed model answers through RUN')
    .option('--slot <n>', 'with --port: the model slot (default 0)', intRange(0, LIMITS.modelSlots - 1))
    .option('--alpha <a>', `p-value threshold (default: the one in the file, ${DEFAULT_ALPHA})`, openUnit)
    .option('--json', 'print one JSON object')
    .action(verifyAction);
  return fp;
}
