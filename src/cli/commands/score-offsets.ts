/**
 * `edgelock score-offsets verify (--model <file> | --port <p> [--slot n]) --key <master> --package <board.elp>
 *     [--uid <uid>]... [--db <factory db>] [--devices <file>] [--pool mnist-test] [--pool-limit n] [--alpha a] [--json]`
 * Does a suspect model carry a board's keyed score offsets (package --score-offsets)? Names the board a copy trained
 * on its scores came from (src/score-offsets/, docs/watermark.md "Score offsets").
 */
import { Command } from 'commander';
import { boardVictim } from '../../attack/victim';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { decodePackage } from '../../package/decode';
import { describeScoreOffsets } from '../../package/score-offsets';
import { scoreOffsetsKey } from '../../score-offsets/signs';
import { OFFSETS_ALPHA, OffsetsCandidate, OffsetsVerdict, verifyScoreOffsets } from '../../score-offsets/verify';
import { formatTable } from '../../text/table';
import { collect, nonNegativeInt, openUnit, positiveInt } from '../option-parsers';
import { printJson } from '../output';
import { candidateUids, suspectFile } from './response-mark';

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

export async function checkScoreOffsets(f: Omit<Flags, 'json'>): Promise<OffsetsVerdict> {
  if (!f.model === !f.port) throw new EdgelockError('E_USAGE', 'give one of --model <file> or --port <serial port>');
  const p = decodePackage(readFileBytes(f.package), f.package);
  if (!p.scoreOffsets)
    throw new EdgelockError('E_USAGE', `'${f.package}' carries no score offsets (packaged without --score-offsets)`);
  const params = p.scoreOffsets;
  const master = readKeyFile(f.key);
  let candidates: OffsetsCandidate[];
  try {
    const uids = await candidateUids(f, master, p.deviceUid);
    candidates = uids.map((uid) => ({ uid, key: scoreOffsetsKey(master, Buffer.from(uid, 'hex')) }));
  } finally {
    master.fill(0);
  }
  const run = (suspect: { scores(x: Float32Array, count: number): Promise<Float32Array> }) =>
    verifyScoreOffsets({
      base: p.model,
      params,
      candidates,
      suspect,
      pool: f.pool.split(',').map((s) => s.trim()),
      poolLimit: f.poolLimit,
      alpha: f.alpha,
    });
  try {
    if (f.port) return await withDevice(f.port, async (client) => run(await boardVictim(client, f.port!, f.slot)));
    const s = await suspectFile(f.model!);
    try {
      return await run(s);
    } finally {
      s.dispose();
    }
  } finally {
    candidates.forEach((c) => c.key.fill(0));
  }
}

export function offsetsRows(r: OffsetsVerdict, description: string): string[][] {
  const best = [...r.candidates].sort((a, b) => b.z - a.z);
  const rows = [
    ['offsets', description],
    ['pool', `${r.pool.names.join(', ')}: ${r.pool.count} inputs`],
  ];
  for (const c of best.slice(0, 3))
    rows.push([
      `board ${c.uid}`,
      `Z ${c.z.toFixed(2)} (about N(0, 1) for a model trained without the key); p ≤ ${c.p.toExponential(1)} ` +
        `(Hoeffding over the keyed signs), × ${r.candidates.length} candidates: ${c.familyP.toExponential(1)}`,
    ]);
  rows.push([
    'verdict',
    r.named.length
      ? `carries the score offsets of board ${r.named.join(', ')}: trained on its scores, or is its model (alpha ${r.alpha})`
      : `no board's score offsets found among ${r.candidates.length} (alpha ${r.alpha})`,
  ]);
  return rows;
}

async function verifyAction(f: Flags): Promise<void> {
  const r = await checkScoreOffsets(f);
  const where = f.port ? `board on ${f.port}` : f.model!;
  if (f.json) {
    printJson({ suspect: where, ...r });
    return;
  }
  const params = decodePackage(readFileBytes(f.package), f.package).scoreOffsets!;
  process.stdout.write(
    formatTable(['check', 'result'], [['suspect', where], ...offsetsRows(r, describeScoreOffsets(params))]) + '\n',
  );
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
