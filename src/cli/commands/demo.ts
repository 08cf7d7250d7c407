import { Command } from 'commander';
import { Writable } from 'stream';
import { resolve } from 'path';
import { EdgelockError } from '../../errors';
import { DEFAULT_BOARD, DEFAULT_MODEL, formatMainJob, runMainJob } from '../../demo/main-job';
import { printJson } from '../output';

interface DemoFlags {
  model: string;
  out: string;
  samples: string;
  runs: string;
  epochs: string;
  board: string;
  json?: boolean;
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new EdgelockError('E_USAGE', `${flag} must be a positive integer`);
  return n;
}

export function register(program: Command): Command {
  return program
    .command('demo')
    .description(
      "the main job on the bundled default model (the README's first command): watermark → lock → compile → start boards → provision → package → flash → verify → run",
    )
    .option('--model <file.onnx>', 'model to run the job on', DEFAULT_MODEL)
    .option(
      '--out <dir>',
      'where to write the artefacts (keys, models, packages, factory database, board state)',
      'demo-out',
    )
    .option('--samples <n>', 'MNIST test images for the host accuracy checks', '1000')
    .option('--runs <n>', 'MNIST test images run on each board', '20')
    .option('--epochs <n>', 'watermark embedding epochs', '2')
    .option('--board <name>', 'emulated board type (qemu-mps2-an386: the Cortex-M4 without TrustZone)', DEFAULT_BOARD)
    .option('--json', 'print one JSON object (progress goes nowhere)')
    .action(async (flags: DemoFlags) => {
      const samples = positive('--samples', flags.samples);
      const runs = positive('--runs', flags.runs);
      const epochs = positive('--epochs', flags.epochs);
      const json = Boolean(flags.json);
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const log = json ? () => undefined : (l: string) => process.stdout.write(l + '\n');
      const streams = json ? { out: sink, err: sink } : { out: process.stdout, err: process.stderr };
      const r = await runMainJob({
        model: flags.model,
        outDir: resolve(flags.out),
        samples,
        runs,
        epochs,
        board: flags.board,
        json: false,
        streams,
        log,
      });
      if (json) printJson(r);
      else process.stdout.write('\n' + formatMainJob(r) + '\n');
    });
}
