/**
 * The main job (the README's first command, `edgelock demo`): the whole chain on the bundled default model —
 * watermark → trigger units → lock → compile → (host check) → start boards → provision → package → flash → verify
 * → run → trace — and a summary table. Keys live in the output folder (created once, mode 0600, never printed).
 */
import { existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { MODELS_DIR } from '../zoo/models-dir';
import { inspectOnnx } from '../inspect/onnx';
import { readOnnx } from '../onnx/reader';
import { loadLabelledSet } from '../eval/labelled-data';
import { formatTable } from '../text/table';
import { boardByName } from '../board/build';
import { createKeyFile, readKeyFile } from '../keys/key-file';
import { ownerSignature } from '../watermark/signature';
import { OutputStreams } from '../factory/multi-board';
import { runModelChain } from './model-chain';
import { BoardSummary, runFactoryChain } from './factory-chain';
import { writeDemoReport } from './report';

export const DEFAULT_MODEL = join(MODELS_DIR, 'mnist-lenet.onnx');
/** The main job's board: the TrustZone-M one, where keys and plaintext weights stay in the secure world. */
export const DEFAULT_BOARD = 'qemu-mps2-an505';
export const DEMO_OWNER = 'acme-vision';

export interface MainJobOptions {
  model: string;
  outDir: string;
  /** MNIST test images for the host accuracy checks */
  samples: number;
  /** MNIST test images run on each board */
  runs: number;
  /** watermark embedding epochs */
  epochs: number;
  board: string;
  json: boolean;
  streams: OutputStreams;
  log: (line: string) => void;
}

export interface MainJobResult {
  rows: string[][];
  accuracy: { original: number; watermarked: number; int8WithKey: number; int8NoKey: number };
  boards: BoardSummary[];
  artefacts: Record<string, string>;
}

function keyFile(path: string): Buffer {
  if (!existsSync(path)) createKeyFile(path);
  return readKeyFile(path);
}

export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const { log } = opts;
  if (!existsSync(opts.outDir)) mkdirSync(opts.outDir, { recursive: true });
  const rows: string[][] = [];
  const row = (step: string, result: string) => rows.push([step, result]);

  const secrets = boardByName(opts.board).secrets; // also refuses an unknown board before any work
  const bytes = readFileSync(opts.model);
  const model = readOnnx(bytes, opts.model);
  const { report } = inspectOnnx(model);
  log(`inspect   ${opts.model}: ${report.nodes} nodes, ${report.params} parameters, ${report.macs} MACs`);
  row(
    'model',
    `${opts.model.replace(/^.*\//, '')}: ${report.nodes} nodes, ${report.params} parameters, ${report.macs} MACs`,
  );

  const masterPath = join(opts.outDir, 'master.key');
  const ownerPath = join(opts.outDir, 'owner.key');
  const master = keyFile(masterPath);
  const ownerKey = keyFile(ownerPath);
  const signature = ownerSignature(ownerKey, DEMO_OWNER);
  ownerKey.fill(0);
  try {
    const test = loadLabelledSet('mnist-test', undefined, opts.samples);
    const m = await runModelChain({
      model,
      modelBytes: bytes,
      outDir: opts.outDir,
      master,
      ownerSignature: signature,
      ownerId: DEMO_OWNER,
      test,
      epochs: opts.epochs,
      log,
      row,
    });
    const base = loadLabelledSet('mnist-train');
    const all = loadLabelledSet('mnist-test');
    // board images: the last `runs` test images (outside the host check's first `samples` when they fit)
    const from = Math.max(0, all.count - opts.runs);
    const size = all.sampleShape.reduce((a, b) => a * b, 1);
    const runs = { ...all, count: all.count - from, x: all.x.subarray(from * size), labels: all.labels.subarray(from) };
    const f = await runFactoryChain({
      outDir: opts.outDir,
      board: opts.board,
      master,
      tflite: m.tflite,
      record: m.record,
      ownerId: DEMO_OWNER,
      ownerSignature: signature,
      base,
      runs,
      streams: opts.streams,
      json: opts.json,
      log,
      row,
    });
    row('keys and plaintext weights', `${opts.board}: ${secrets}`);
    const reportPath = join(opts.outDir, 'report.html');
    await writeDemoReport({
      outDir: opts.outDir,
      reportPath,
      board: opts.board,
      master,
      ownerId: DEMO_OWNER,
      signature,
      test: m.test,
      base,
      boards: f.boards,
      macs: report.macs,
    });
    log(`report    ${reportPath}`);
    row('report', `${reportPath}: protections, what each stops, evidence and plots (edgelock report)`);
    return {
      rows,
      accuracy: m.accuracy,
      boards: f.boards,
      artefacts: {
        masterKey: masterPath,
        ownerKey: ownerPath,
        watermarked: join(opts.outDir, 'model.wm.onnx'),
        locked: join(opts.outDir, 'model.locked.onnx'),
        tflite: m.tflitePath,
        db: join(opts.outDir, 'factory.db'),
        report: join(opts.outDir, 'report.html'),
      },
    };
  } finally {
    master.fill(0);
    signature.fill(0);
  }
}

export function formatMainJob(r: MainJobResult): string {
  const boards = formatTable(
    ['board', 'uid', 'provisioned', 'flash', 'verify', 'watermark p', 'on-board runs'],
    r.boards.map((b) => [
      b.name,
      b.uid,
      b.provisioned ? 'yes' : 'no',
      b.flash ?? (b.refused ? 'refused' : '-'),
      b.verdict ?? '-',
      b.watermarkP === undefined ? '-' : b.watermarkP.toExponential(1),
      b.runs
        ? `${b.correct}/${b.runs} correct, ${b.sameTop1}/${b.runs} same class as TFLite runtime`
        : b.refused
          ? `copy refused: ${b.refused.split(':')[0]}`
          : '-',
    ]),
  );
  return `${formatTable(['step', 'result'], r.rows)}\n\n${boards}`;
}
