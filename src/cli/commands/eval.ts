/**
 * `edgelock eval <model.onnx|model.tflite> --data <npy|mnist-test> [--labels <npy>]
 *   [--key <keyfile> [--device-uid <uid>]] [--no-key-check] [--limit <n>] [--json]`
 */
import { Command } from 'commander';
import { readFileBytes } from '../../formats/load';
import { evaluateModelFile } from '../../eval/evaluate';
import { loadLabelledSet } from '../../eval/labelled-data';
import { printJson } from '../output';
import { keyMaterialFromFlags } from './key-flags';
import { positiveInt } from '../option-parsers';

interface EvalFlags {
  data: string;
  labels?: string;
  key?: string;
  deviceUid?: string;
  keyCheck?: boolean;
  limit?: number;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('eval <model>')
    .description(
      'accuracy of an ONNX (onnxruntime) or TFLite (TFLite runtime) classifier; locked models are unlocked only with their key',
    )
    .requiredOption('--data <data>', 'samples: mnist-test, mnist-train or a float32 .npy')
    .option('--labels <file>', 'labels for .npy samples (.npy of integers or IDX)')
    .option('--key <keyfile>', 'master key file: unlock a locked model first')
    .option('--device-uid <uid>', 'the device uid a device-bound model was locked to (hex)')
    .option('--no-key-check', 'unlock even when the key id does not match (shows what a wrong key gives)')
    .option('--limit <n>', 'evaluate only the first n samples', positiveInt)
    .option('--json', 'print {"accuracy":..,"samples":..,...}')
    .action(async (file: string, flags: EvalFlags) => {
      const material = keyMaterialFromFlags(flags);
      const data = loadLabelledSet(flags.data, flags.labels, flags.limit);
      const r = await evaluateModelFile(readFileBytes(file), data, {
        material,
        verify: flags.keyCheck !== false,
        file,
      });
      material?.master.fill(0);
      if (flags.json) {
        printJson(r);
        return;
      }
      const how =
        flags.keyCheck === false ? 'unlocked with the given key, key id check skipped' : 'unlocked with the given key';
      const state = r.locked
        ? r.unlocked
          ? `locked (${r.scheme}), ${how}`
          : `locked (${r.scheme}), run WITHOUT its key`
        : 'not locked';
      process.stdout.write(
        `${file}: ${r.format}, ${state}\naccuracy ${(r.accuracy * 100).toFixed(2)}% on ${r.samples} samples of ${data.name}\n`,
      );
    });
}
