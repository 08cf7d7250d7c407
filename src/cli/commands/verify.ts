/**
 * `edgelock verify --port <p>... --key <master> [--owner <id> --data <base> --params <pkg.elp|model|record.json>
 *   [--owner-key <file>] [--labels <npy>] [--null <file|rate>] [--alpha a]] [--fingerprint <fp.json>]
 *   [--response-mark <board.elp> [--mark-pool <data,...>]] [--score-offsets <board.elp> [--offsets-pool <data,...>]]
 *   [--json]`
 * checks boards concurrently:
 *   - genuine device: challenge-response attestation under the device key derived from the master key;
 *   - genuine model: an authenticated package is active (the board activates nothing else), with its version,
 *     security counter and package hash;
 *   - owner watermark present (with --owner): the board runs the owner's triggers on its active model; exact
 *     binomial p-value against the null match rate.
 *   - response mark present (with --response-mark): the board answers the pool inputs its key marks with its keyed
 *     classes (docs/watermark.md "Response mark"), named at p ≤ 1e-6.
 *   - score offsets present (with --score-offsets): the board's scores on 1,000 pool inputs carry its own keyed
 *     offsets (docs/watermark.md "Score offsets"), named at p ≤ 1e-6.
 * Exit code 1 when any board fails a check.
 */
import { Command } from 'commander';
import { loadDataset, loadLabels } from '../../data/dataset';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { watermarkParams } from '../../factory/attest-owner';
import { OwnerSetup, verdictSummary, verifyBoard } from '../../factory/verify-board';
import { exitCodeFor, runOnBoards } from '../../factory/multi-board';
import { readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { resolveNull } from '../../watermark/null-rate';
import { DEFAULT_ALPHA } from '../../watermark/score';
import { ownerSignature } from '../../watermark/signature';
import { readFingerprint } from '../../fingerprint/artefact';
import { checkFingerprintOnBoard } from '../../fingerprint/check';
import { FingerprintHook, ResponseMarkHook, ScoreOffsetsHook } from '../../factory/verify-board';
import { boardVictim } from '../../attack/victim';
import { prepareMarkCheck } from './response-mark';
import { prepareOffsetsCheck } from './score-offsets';
import { collectList, openUnit, positiveInt } from '../option-parsers';

interface Flags {
  port: string[];
  key: string;
  owner?: string;
  ownerKey?: string;
  data?: string;
  labels?: string;
  params?: string;
  null?: string;
  alpha: number;
  fingerprint?: string;
  responseMark?: string;
  markPool: string;
  scoreOffsets?: string;
  offsetsPool: string;
  offsetsPoolLimit: number;
  json?: boolean;
}

/** --response-mark: each board must answer with its own keyed marks (its uid, the package's base model and rate). */
function responseMarkHook(f: Flags): ResponseMarkHook | undefined {
  if (!f.responseMark) return undefined;
  return async (client, slot, uid) => {
    const check = await prepareMarkCheck({ key: f.key, package: f.responseMark, uid: [uid], pool: f.markPool });
    try {
      const r = await check.run(await boardVictim(client, `board ${uid}`, slot));
      const c = r.candidates[0];
      return {
        detected: r.named.includes(uid),
        matches: c.matches,
        trials: c.trials,
        pValue: c.familyP,
        alpha: r.alpha,
      };
    } finally {
      check.dispose();
    }
  };
}

/** --score-offsets: each board must add its own keyed offsets to its scores (its uid, the package's model and record). */
function scoreOffsetsHook(f: Flags): ScoreOffsetsHook | undefined {
  if (!f.scoreOffsets) return undefined;
  return async (client, slot, uid) => {
    const check = await prepareOffsetsCheck({
      key: f.key,
      package: f.scoreOffsets!,
      uid: [uid],
      pool: f.offsetsPool,
      poolLimit: f.offsetsPoolLimit,
    });
    try {
      const r = await check.run(await boardVictim(client, `board ${uid}`, slot));
      const c = r.candidates[0];
      return { detected: r.named.includes(uid), z: c.z, inputs: c.inputs, pValue: c.familyP, alpha: r.alpha };
    } finally {
      check.dispose();
    }
  };
}

/** --fingerprint: the check run on each board's active model. */
function fingerprintHook(file: string | undefined): FingerprintHook | undefined {
  if (!file) return undefined;
  const fp = readFingerprint(file);
  return async (client, slot) => {
    const r = await checkFingerprintOnBoard(client, slot, fp);
    const { matches, triggers: count, nullRate, pValue, log10PValue, alpha } = r;
    return { detected: r.verdict === 'detected', matches, count, nullRate, pValue, log10PValue, alpha };
  };
}

function ownerSetup(f: Flags): OwnerSetup | null {
  if (!f.owner) {
    for (const [flag, v] of [
      ['--data', f.data],
      ['--params', f.params],
      ['--owner-key', f.ownerKey],
    ] as const) {
      if (v !== undefined)
        throw new EdgelockError('E_USAGE', `${flag} applies to the owner watermark check: add --owner <id>`);
    }
    return null;
  }
  if (!f.data)
    throw new EdgelockError('E_USAGE', '--owner needs --data <base inputs> (the data the watermark was embedded with)');
  if (!f.params)
    throw new EdgelockError(
      'E_USAGE',
      "--owner needs --params <pkg.elp|model.tflite|model.onnx|record.json> (the watermark's public parameters)",
    );
  const { record } = watermarkParams(readFileBytes(f.params), f.params);
  const ownerKey = readKeyFile(f.ownerKey ?? f.key);
  const signature = ownerSignature(ownerKey, f.owner);
  ownerKey.fill(0);
  const set = loadDataset(f.data);
  const labels = f.labels ? loadLabels(f.labels, set.count) : set.labels;
  if (!labels) throw new EdgelockError('E_USAGE', `'${set.name}' has no labels: pass --labels <npy>`);
  const { nullRate, source } = f.null
    ? resolveNull(f.null, record.classes)
    : { nullRate: 1 / record.classes, source: '1/C (uncalibrated)' };
  return {
    owner: f.owner,
    signature,
    record,
    base: { data: set.data, labels, count: set.count },
    nullRate,
    nullSource: source,
    alpha: f.alpha,
  };
}

export function register(program: Command): Command {
  return program
    .command('verify')
    .description(
      'check boards: genuine device (attestation), genuine model (active authenticated package), owner watermark present (--owner)',
    )
    .requiredOption(
      '--port <path>',
      'serial port of a board (repeat for several boards, checked concurrently)',
      collectList,
    )
    .requiredOption('--key <keyfile>', 'the vendor master key the boards were provisioned from')
    .option('--owner <id>', 'also check the owner watermark of the active model (runs the triggers on the board)')
    .option('--owner-key <keyfile>', 'the watermark owner key (default: --key)')
    .option('--data <data>', 'the base inputs the watermark was embedded with: a float32 .npy or mnist-train')
    .option('--labels <npy>', 'integer labels for a .npy --data')
    .option(
      '--params <file>',
      'the watermark parameters: the package (.elp), the .tflite, the watermarked .onnx or a record .json',
    )
    .option('--null <file|rate>', 'null match rate: a calibration JSON or a number (default 1/C)')
    .option('--alpha <a>', 'significance level', openUnit, DEFAULT_ALPHA)
    .option(
      '--fingerprint <fp.json>',
      'also check the fingerprint (edgelock fingerprint create) on the active model; survives distillation',
    )
    .option(
      '--response-mark <board.elp>',
      "also check that each board answers with its own response mark (a package with --response-mark: its model and rate; the board's uid from INFO); " +
        'survives distillation',
    )
    .option('--mark-pool <data,...>', "with --response-mark: the owner's natural inputs", 'mnist-train,mnist-test')
    .option(
      '--score-offsets <board.elp>',
      "also check that each board adds its own score offsets to its answers (a package with --score-offsets: its model and record; the board's uid from INFO)",
    )
    .option('--offsets-pool <data,...>', "with --score-offsets: the owner's inputs", 'mnist-test')
    .option('--offsets-pool-limit <n>', 'with --score-offsets: inputs queried per board', positiveInt, 1000)
    .option('--json', 'one JSON object per line per event')
    .action(async (f: Flags) => {
      const owner = ownerSetup(f);
      const fingerprint = fingerprintHook(f.fingerprint);
      const mark = responseMarkHook(f);
      const offsets = scoreOffsetsHook(f);
      const master = readKeyFile(f.key);
      try {
        const outcomes = await runOnBoards(
          f.port,
          (port, emit) =>
            withDevice(port, (client) =>
              verifyBoard(client, master, owner, emit, { fingerprint, responseMark: mark, scoreOffsets: offsets }),
            ),
          { json: Boolean(f.json), title: 'verify', summary: verdictSummary },
        );
        process.exitCode = exitCodeFor(outcomes);
      } finally {
        master.fill(0);
      }
    });
}
