import { Command } from 'commander';
import { Writable } from 'stream';
import { resolve } from 'path';
import { DEFAULT_BOARD, DEFAULT_MODEL, formatMainJob, runMainJob } from '../../demo/main-job';
import { printJson } from '../output';
import { positiveInt } from '../option-parsers';

interface DemoFlags {
  model: string;
  out: string;
  samples: number;
  runs: number;
  epochs: number;
  board: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('demo')
    .description(
      "the main job on the bundled default model (the README's first command): watermark → lock → compile → " +
        'start boards → provision → package → flash → verify → run',
    )
    .option('--model <file.onnx>', 'model to run the job on', DEFAULT_MODEL)
    .option(
      '--out <dir>',
      'where to write the artefacts (keys, models, packages, factory database, board state)',
      'demo-out',
    )
    .option('--samples <n>', 'MNIST test images for the host accuracy checks', positiveInt, 1000)
    .option('--runs <n>', 'MNIST test images run on each board', positiveInt, 20)
    .option('--epochs <n>', 'watermark embedding epochs', positiveInt, 2)
    .option('--board <name>', 'emulated board type (qemu-mps2-an386: the Cortex-M4 without TrustZone)', DEFAULT_BOARD)
    .option('--json', 'print one JSON object (progress goes nowhere)')
    .action(async (flags: DemoFlags) => {
      const { samples, runs, epochs } = flags;
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
