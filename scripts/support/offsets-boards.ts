/**
 * The inputs of the score-offsets measurement scripts (score-offsets-read.ts, score-offsets-readings.ts): --package
 * (a board's package with score offsets), --devices (the candidate uids, one per line) and --key (the master key),
 * with each candidate's score key derived and the master key wiped.
 */
import * as fs from 'fs';
import { readKeyFile } from '../../src/keys/key-file';
import { decodePackage } from '../../src/package/decode';
import { ScoreOffsetsParams } from '../../src/package/score-offsets';
import { scoreOffsetsKey } from '../../src/score-offsets/signs';
import { parseCandidates } from '../../src/trace/candidates';
import { arg } from './args';

export interface OffsetsBoards {
  pkg: ReturnType<typeof decodePackage>;
  params: ScoreOffsetsParams;
  candidates: { uid: string; key: Buffer }[];
}

export function offsetsBoards(): OffsetsBoards {
  const file = arg('package', '');
  const pkg = decodePackage(fs.readFileSync(file), file);
  if (!pkg.scoreOffsets) throw new Error('the package carries no score offsets');
  const uids = parseCandidates(fs.readFileSync(arg('devices', ''), 'utf8'), 'devices');
  const master = readKeyFile(arg('key', ''));
  try {
    return {
      pkg,
      params: pkg.scoreOffsets,
      candidates: uids.map((uid) => ({ uid, key: scoreOffsetsKey(master, Buffer.from(uid, 'hex')) })),
    };
  } finally {
    master.fill(0);
  }
}
