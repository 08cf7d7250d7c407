/**
 * `edgelock score-offsets verify (--model <file> | --port <p> [--slot n]) --key <master> --package <board.elp>
 *     [--uid <uid>]... [--db <factory db>] [--devices <file>] [--pool mnist-test] [--pool-limit n] [--alpha a] [--json]`
 * Does a suspect model carry a board's keyed score offsets (package --score-offsets)? Names the board a copy trained
 * on its scores came from (src/score-offsets/, docs/watermark.md "Score offsets").
 */
import { Command } from 'commander';
import { EdgelockError } from '../../errors';
import { readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { DecodedPackage, decodePackage } from '../../package/decode';
import { ScoreOffsetsParams, describeScoreOffsets } from '../../package/score-offsets';
import { ScoringRunner } from '../../response-mark/verify';
import { scoreOffsetsKey } from '../../score-offsets/signs';
import {
  OFFSETS_ALPHA,
  OffsetsCandidate,
  OffsetsPool,
  OffsetsVerdict,
  loadOffsetsPool,
  readCandidates,
} from '../../score-offsets/verify';
import { formatTable } from '../../text/table';
import { collect, nonNegativeInt, openUnit, positiveInt } from '../option-parsers';
import { printJson } from '../output';
import { runOnSuspect } from '../suspect';
import { checkSameTask } from '../../watermark/runners';
import { candidateUids } from './response-mark';

interface Flags {
  model?: string;
  port?: string;
  slot?: number;
  key: string;
  package: string;
  uid: string[];
  db?: string;
  devices?: string;
  pool: string;
  poolLimit?: number;
  alpha?: number;
  json?: boolean;
}

/** What a score-offsets check needs, prepared once: the package's record and model, the candidates, the pool. */
export interface PreparedOffsetsCheck {
  params: ScoreOffsetsParams;
  candidates: OffsetsCandidate[];
  run(suspect: Pick<ScoringRunner, 'scores' | 'classes' | 'sampleShape'>): Promise<OffsetsVerdict>;
  dispose(): void;
}

export type OffsetsCheckFlags = Pick<
  Flags,
  'key' | 'package' | 'uid' | 'db' | 'devices' | 'pool' | 'poolLimit' | 'alpha'
>;

export async function prepareOffsetsCheck(f: OffsetsCheckFlags): Promise<PreparedOffsetsCheck> {
  const p = offsetsPackage(f.package);
  const params = p.scoreOffsets;
  const master = readKeyFile(f.key);
  let candidates: OffsetsCandidate[];
  try {
    const uids = await candidateUids(f, master, p.deviceUid);
    candidates = uids.map((uid) => ({ uid, key: scoreOffsetsKey(master, Buffer.from(uid, 'hex')) }));
  } finally {
    master.fill(0);
  }
  let pool: OffsetsPool | undefined;
  return {
    params,
    candidates,
    async run(suspect) {
      pool ??= await loadOffsetsPool(
        p.model,
        params,
        f.pool.split(',').map((s) => s.trim()),
        f.poolLimit,
      );
      checkSameTask(suspect, pool.classes, pool.sampleShape);
      return readCandidates(pool, params, candidates, await suspect.scores(pool.samples, pool.count), f.alpha);
    },
    dispose() {
      candidates.forEach((c) => c.key.fill(0));
    },
  };
}

export async function checkScoreOffsets(f: Omit<Flags, 'json'>): Promise<OffsetsVerdict> {
  return runOnSuspect(f, () => prepareOffsetsCheck(f));
}

/** The check's table rows (also under `watermark verify --score-offsets`). */
export function offsetsRows(r: OffsetsVerdict): string[][] {
  const best = [...r.candidates].sort((a, b) => b.z - a.z);
  const rows = [
    ['offsets', describeScoreOffsets(r.params)],
    ['pool', `${r.pool.names.join(', ')}: ${r.pool.count} inputs`],
  ];
  for (const c of best.slice(0, 3))
    rows.push([
      `board ${c.uid}`,
      `Z ${c.z.toFixed(2)} (about N(0, 1) for a model trained without the key); p ≤ ${c.p.toExponential(1)} ` +
        `(Hoeffding over the keyed signs), × ${r.candidates.length} candidates: ${c.familyP.toExponential(1)}`,
    ]);
  if (r.together && r.named.length === 0)
    rows.push([
      `boards ${r.together.uids.join(' + ')}`,
      `together Z ${r.together.z.toFixed(2)}; p ≤ ${r.together.p.toExponential(1)}, × every pair: ` +
        r.together.familyP.toExponential(1),
    ]);
  rows.push([
    'verdict',
    r.named.length
      ? `carries the score offsets of board ${r.named.join(', ')}: trained on its scores, or is its model (alpha ${r.alpha})`
      : r.namedTogether.length
        ? `carries the score offsets of boards ${r.namedTogether.join(' and ')} together: trained on both boards' ` +
          `scores (neither alone reaches alpha ${r.alpha})`
        : `no board's score offsets found among ${r.candidates.length} (alpha ${r.alpha})`,
  ]);
  return rows;
}

/** A package given to a check, refused when it carries no score offsets. */
function offsetsPackage(file: string): DecodedPackage & { scoreOffsets: ScoreOffsetsParams } {
  const p = decodePackage(readFileBytes(file), file);
  if (!p.scoreOffsets)
    throw new EdgelockError('E_USAGE', `'${file}' carries no score offsets (packaged without --score-offsets)`);
  return { ...p, scoreOffsets: p.scoreOffsets };
}

async function verifyAction(f: Flags): Promise<void> {
  const r = await checkScoreOffsets(f);
  const where = f.port ? `board on ${f.port}` : f.model!;
  if (f.json) {
    printJson({ suspect: where, ...r });
    return;
  }
  process.stdout.write(formatTable(['check', 'result'], [['suspect', where], ...offsetsRows(r)]) + '\n');
}

export function register(program: Command): Command {
  const so = program
    .command('score-offsets')
    .description('ownership evidence from a board that adds keyed offsets to its scores (package --score-offsets)');
  so.command('verify')
    .description('does a suspect model (file or board) carry a board’s keyed score offsets? names the board')
    .option('--model <file>', 'the suspect: an ONNX or .tflite model answering scores')
    .option('--port <p>', 'the suspect: a board on this serial port (RUN)')
    .option('--slot <n>', 'with --port: the slot to query (default: the active one)', nonNegativeInt)
    .requiredOption('--key <keyfile>', 'the vendor master key (each board’s score key derives from it and the uid)')
    .requiredOption('--package <board.elp>', 'a package with score offsets: its model, record and board')
    .option('--uid <uid>', 'a candidate board (repeatable)', collect, [] as string[])
    .option('--db <factory db>', 'candidates: every board the master key provisioned (factory database)')
    .option('--devices <file>', 'candidates: device uids, one per line')
    .option('--pool <data,...>', 'the owner’s natural inputs (need not hold what the attacker queried)', 'mnist-test')
    .option('--pool-limit <n>', 'use the first n pool inputs', positiveInt)
    .option('--alpha <a>', `significance for naming a board (default ${OFFSETS_ALPHA})`, openUnit)
    .option('--json', 'print one JSON object')
    .action(verifyAction);
  return so;
}
