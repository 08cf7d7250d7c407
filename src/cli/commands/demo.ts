import { Command } from 'commander';
import { resolve } from 'path';
import { EdgelockError } from '../../errors';
import { DEFAULT_MODEL, formatMainJob, runMainJob } from '../../demo/main-job';
import { printJson } from '../output';

interface DemoFlags {
  model: string;
  out: string;
  samples: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('demo')
    .description('the main job on the bundled default model (the README\'s first command)')
    .option('--model <file.onnx>', 'model to run the job on', DEFAULT_MODEL)
    .option('--out <dir>', 'where to write the artefacts', 'demo-out')
    .option('--samples <n>', 'MNIST test images to evaluate', '1000')
    .option('--json', 'print one JSON object')
    .action(async (flags: DemoFlags) => {
      const samples = Number(flags.samples);
      if (!Number.isInteger(samples) || samples <= 0) throw new EdgelockError('E_USAGE', '--samples must be a positive integer');
      const log = flags.json ? () => undefined : (l: string) => process.stdout.write(l + '\n');
      const r = await runMainJob({ model: flags.model, outDir: resolve(flags.out), samples, log });
      if (flags.json) printJson(r);
      else process.stdout.write('\n' + formatMainJob(r) + '\n');
    });
}
