/**
 * `edgelock report <model|package> -o report.html [--json] [--source <model.onnx>] [--data <test> [--labels ..]]
 *   [--base <train data> [--base-labels ..]] [--key <master> [--device-uid <uid>]] [--owner <id> [--owner-key <file>]]
 *   [--fingerprint <fp.json>] [--attacks [--fraction f] [--epochs n] [--queries a,b]] [--boards <port>...]`
 * One self-contained HTML page (and with --json the same content as data) on what protects the artefact.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ATTACKS } from '../../attack/attacks';
import { readFingerprint } from '../../fingerprint/artefact';
import { loadLabelledSet } from '../../eval/labelled-data';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { loadOnnxFile, readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { buildReport } from '../../report/build';
import { DEFAULT_BUDGETS } from '../../report/evidence';
import { renderReportHtml } from '../../report/html';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { ownerSignature } from '../../watermark/signature';
import { printJson } from '../output';
import { keyMaterialFromFlags } from './key-flags';
import { commaList, fraction, openUnit, positiveInt } from '../option-parsers';

interface Flags {
  fingerprint?: string;
  output?: string;
  json?: boolean;
  source?: string;
  data?: string;
  labels?: string;
  limit: number;
  base?: string;
  baseLabels?: string;
  key?: string;
  deviceUid?: string;
  owner?: string;
  ownerKey?: string;
  null?: string;
  alpha: number;
  attacks?: boolean;
  fraction: number;
  epochs: number;
  queries: number[];
  lockAttacks?: string[];
  threads?: number;
  boards?: string[];
  runs: number;
}

const attackList = (v: string): string[] => {
  const names = v.split(',').map((x) => x.trim());
  const unknown = names.filter((n) => !ATTACKS.some((a) => a.name === n));
  if (unknown.length)
    throw new InvalidArgumentError(
      `unknown attack ${unknown.join(', ')} (known: ${ATTACKS.map((a) => a.name).join(', ')})`,
    );
  return names;
};

export function register(program: Command): Command {
  return program
    .command('report <artefact>')
    .description(
      'one self-contained HTML page: the protections on a model or package, what each stops, and the evidence measured on it',
    )
    .option('-o, --output <report.html>', 'the HTML report to write')
    .option('--json', "print the report's content as one JSON object")
    .option(
      '--source <model.onnx>',
      'the ONNX the artefact was compiled from (float accuracy, watermark curves; the locked ONNX for lock attacks)',
    )
    .option('--data <data>', 'labelled test data: mnist-test or a float32 .npy')
    .option('--labels <file>', 'labels for a .npy --data')
    .option('--limit <n>', 'test samples to use', positiveInt, 1000)
    .option('--base <data>', "training data: the watermark's base data and the attacker's data (mnist-train or .npy)")
    .option('--base-labels <file>', 'labels for a .npy --base')
    .option('--key <keyfile>', 'master key file: measure the locked model as a key holder runs it')
    .option('--device-uid <uid>', 'device uid of a device-bound lock (a package gives its own)')
    .option('--owner <id>', 'owner id of the watermark to check')
    .option('--owner-key <file>', 'the owner key (default: --key)')
    .option('--null <file|rate>', 'null match rate of the watermark test: a calibration JSON or a number (default 1/C)')
    .option('--alpha <a>', 'p-value threshold of the watermark verdict', openUnit, DEFAULT_ALPHA)
    .option('--fingerprint <fp.json>', 'the owner fingerprint (edgelock fingerprint create) to check on the artefact')
    .option('--attacks', 'run the attacks: on the lock, and pruning / fine-tuning / extraction on the watermark')
    .option(
      '--fraction <f>',
      "attacker's fraction of the training data for the lock attacks",
      fraction,
      DEFAULT_BUDGETS.fraction,
    )
    .option('--epochs <n>', 'training epochs of every training-based attack', positiveInt, DEFAULT_BUDGETS.epochs)
    .option(
      '--queries <list>',
      'query budgets of the extraction attack, comma-separated',
      commaList(positiveInt),
      DEFAULT_BUDGETS.queryBudgets,
    )
    .option(
      '--lock-attacks <names>',
      `lock attacks to run, comma-separated (default all: ${ATTACKS.map((a) => a.name).join(', ')})`,
      attackList,
    )
    .option('--threads <n>', 'training threads', positiveInt)
    .option('--boards <port...>', 'boards to measure: attestation, whether they run this package, work per inference')
    .option('--runs <n>', 'labelled samples run on each board', positiveInt, 10)
    .action(async (file: string, f: Flags) => {
      if (!f.output && !f.json) throw new EdgelockError('E_USAGE', 'pass -o <report.html>, --json, or both');
      if (f.attacks && !f.base)
        throw new EdgelockError('E_USAGE', "--attacks needs --base <training data> (the attacker's data)");
      if (f.owner && !f.base)
        throw new EdgelockError('E_USAGE', '--owner needs --base <data the watermark was embedded with>');
      const material = keyMaterialFromFlags(f);
      let signature: Uint8Array | undefined;
      if (f.owner) {
        if (!f.ownerKey && !f.key) throw new EdgelockError('E_USAGE', '--owner needs --owner-key <file> (or --key)');
        const ownerKey = readKeyFile(f.ownerKey ?? f.key!);
        signature = ownerSignature(ownerKey, f.owner);
        ownerKey.fill(0);
      }
      const log = (line: string) => {
        if (!f.json) process.stderr.write(`${line}\n`);
      };
      try {
        const test = f.data ? loadLabelledSet(f.data, f.labels, f.limit) : undefined;
        const train = f.base ? loadLabelledSet(f.base, f.baseLabels) : undefined;
        const data = await buildReport({
          artefact: { bytes: readFileBytes(file), file },
          ...(f.source ? { source: { model: loadOnnxFile(f.source), file: f.source } } : {}),
          test,
          train,
          material,
          ...(signature ? { owner: { id: f.owner!, signature } } : {}),
          ...(f.null ? { nullSpec: f.null } : {}),
          ...(f.fingerprint ? { fingerprint: { fp: readFingerprint(f.fingerprint), file: f.fingerprint } } : {}),
          alpha: f.alpha,
          ...(f.attacks
            ? {
                attacks: {
                  ...DEFAULT_BUDGETS,
                  fraction: f.fraction,
                  epochs: f.epochs,
                  queryBudgets: f.queries,
                  threads: f.threads,
                  ...(f.lockAttacks ? { lockAttacks: f.lockAttacks } : {}),
                },
              }
            : {}),
          boards: f.boards,
          boardRuns: f.runs,
          log,
        });
        if (f.output) {
          writeFileAtomic(f.output, Buffer.from(await renderReportHtml(data), 'utf8'));
          log(`report written to ${f.output}`);
        }
        if (f.json) printJson(data);
      } finally {
        material?.master.fill(0);
        signature?.fill(0);
      }
    });
}
