/**
 * The main job's last step: `edgelock report` on board A's package, with the evidence the job has
 * already measured on its boards (attestation verdicts, on-board runs) and what the report measures on
 * the host (accuracy with and without the key, the owner watermark on the shipped int8 model).
 * Attacks are left to `edgelock report --attacks` (minutes of training); the page says so.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { LabelledSet } from '../eval/labelled-data';
import { writeFileAtomic } from '../formats/atomic-write';
import { readOnnx } from '../onnx/reader';
import { BoardEvidence, counterToWork } from '../report/board-evidence';
import { buildReport } from '../report/build';
import { renderReportHtml } from '../report/html';
import { BoardSummary } from './factory-chain';

export interface DemoReportInput {
  outDir: string;
  reportPath: string;
  board: string;
  master: Buffer;
  ownerId: string;
  signature: Uint8Array;
  test: LabelledSet;
  base: LabelledSet;
  boards: BoardSummary[];
  macs: number;
}

function boardEvidence(b: BoardSummary, boardType: string, macs: number): BoardEvidence {
  const work = counterToWork(boardType, b.cycles ?? 0);
  return {
    port: b.port,
    board: boardType,
    uid: b.uid,
    firmware: '',
    activeSlot: null,
    genuineDevice: b.verdict === 'genuine',
    runsArtefact: b.name === 'board-a' ? b.verdict === 'genuine' : undefined,
    runs: b.runs ?? 0,
    correct: b.correct ?? 0,
    counterPerInference: b.cycles === undefined ? null : work.value,
    counterUnit: work.unit,
    macs,
  };
}

export async function writeDemoReport(c: DemoReportInput): Promise<void> {
  const pkgFile = join(c.outDir, 'board-a.elp');
  const lockedFile = join(c.outDir, 'model.locked.onnx');
  const data = await buildReport({
    artefact: { bytes: readFileSync(pkgFile), file: pkgFile },
    source: { model: readOnnx(readFileSync(lockedFile), lockedFile), file: lockedFile },
    test: c.test,
    train: c.base,
    material: { master: c.master },
    owner: { id: c.ownerId, signature: c.signature },
    boardEvidence: c.boards.filter((b) => b.provisioned).map((b) => boardEvidence(b, c.board, c.macs)),
  });
  writeFileAtomic(c.reportPath, Buffer.from(await renderReportHtml(data), 'utf8'));
}
