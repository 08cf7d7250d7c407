/**
 * `watermark verify` on a model file: the null rate (a calibration next to the model, `--null`, or 1/C),
 * then the labels from the file's own runner (onnxruntime / the TFLite runtime) or from a board's installed
 * model, scored against the applicable record (src/watermark/model-file.ts).
 */
import * as fs from 'fs';
import { BoardCheck, verifyOnBoard } from './board-check';
import { ApplicableRecord, WatermarkedModel } from './model-file';
import { defaultNullPath, resolveNull } from './null-rate';
import { RUNNERS } from './runners';
import { DEFAULT_ALPHA } from './score';
import { BaseData, VerifyReport, verifyWithRunner } from './verify';

export interface VerifyFileRequest {
  signature: Uint8Array;
  base: BaseData;
  /** a calibration JSON or a rate; default `<model>.wm-null.json` when it exists, else 1/C */
  nullSpec?: string;
  alpha?: number;
  /** the labels come from this board's model in `slot` instead of the file's runner */
  board?: { port: string; slot: number; onProgress?: (done: number, total: number) => void };
}

export interface VerifyFileResult {
  report: VerifyReport;
  nullSource: string;
  alpha: number;
  board?: Omit<BoardCheck, 'report'>;
}

export async function verifyModelFile(
  m: WatermarkedModel,
  applicable: ApplicableRecord,
  r: VerifyFileRequest,
): Promise<VerifyFileResult> {
  const { params, record } = applicable;
  const runner = r.board ? null : await RUNNERS[m.format]!(m.bytes, m.file);
  try {
    const nullSpec = r.nullSpec ?? (fs.existsSync(defaultNullPath(m.file)) ? defaultNullPath(m.file) : undefined);
    const { nullRate, source } = nullSpec
      ? resolveNull(nullSpec, params.classes)
      : { nullRate: 1 / params.classes, source: `1/C (uncalibrated)` };
    const alpha = r.alpha ?? DEFAULT_ALPHA;
    const req = { signature: r.signature, params, record, base: r.base, nullRate, alpha };
    if (r.board) {
      const { report, ...board } = await verifyOnBoard(r.board.port, r.board.slot, m, req, r.board.onProgress);
      return { report, nullSource: source, alpha, board };
    }
    return { report: await verifyWithRunner(runner!, req), nullSource: source, alpha };
  } finally {
    runner?.dispose();
  }
}
