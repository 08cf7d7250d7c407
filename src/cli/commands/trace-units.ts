/**
 * `edgelock trace-units <in.onnx> -o <out.onnx> --key <master> --data <train data> [--labels <npy>] [--units <n>]
 *   [--pixels <n>] [--epochs <n>] [--lr <r>] [--room path|pixel-path|least-used] [--widen <x>]
 *   [--input-shape <name:dims> …] [--json]`:
 * the owner's one-time step that gives a model trigger units (docs/security.md, "Trigger units"). Compile the output
 * as any model; `package --trace` then writes each board's classes into it, and `edgelock trace` reads them beside the
 * trace code.
 */
import { Command, Option } from 'commander';
import { loadDataset, loadLabels } from '../../data/dataset';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { readFileBytes } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { deriveTraceKey } from '../../keys/derive';
import { readKeyFile } from '../../keys/key-file';
import { readOnnx } from '../../onnx/reader';
import { writeOnnx } from '../../onnx/writer';
import { trainerForm } from '../../trace/units/trainer-form';
import { defaultRoom, stampChannels, triggerUnitsOwnerModel } from '../../trace/units/owner-model';
import { COLOUR_STAMPS, Room, TRIGGER_UNITS_DEFAULTS, WIDEN_BY_ROOM, stampDefaults } from '../../trace/units/params';
import { printJson } from '../output';
import { atLeastOne, collect, finiteNumber, positiveInt } from '../option-parsers';
import { parseInputShapes } from '../../ir/pin-inputs';

interface Flags {
  output: string;
  key: string;
  data: string;
  labels?: string;
  units: number;
  pixels?: number;
  epochs?: number;
  lr?: number;
  room?: Room;
  widen?: number;
  inputShape: string[];
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('trace-units <in.onnx>')
    .description(
      "give a model trigger units, once per model: a black-box trace of each board's copy that survives fine-tuning",
    )
    .requiredOption('-o, --output <out.onnx>', 'the owner model to write (compile it as usual)')
    .requiredOption('--key <keyfile>', 'the vendor master key (the stamps derive from its trace key)')
    .requiredOption('--data <data>', "the owner's training data: a named dataset (mnist-train) or a float32 .npy")
    .option(
      '--labels <npy>',
      'integer labels for a .npy --data (the trained rooms; the path from the pixels needs none)',
    )
    .option('--units <n>', 'trigger units (one stamp each)', positiveInt, TRIGGER_UNITS_DEFAULTS.units)
    .option(
      '--pixels <n>',
      `pixels a stamp sets, every channel of each (default ${TRIGGER_UNITS_DEFAULTS.pixels}; ` +
        `${COLOUR_STAMPS.pixels} on a colour input)`,
      positiveInt,
    )
    .option('--epochs <n>', `training epochs (default ${TRIGGER_UNITS_DEFAULTS.epochs})`, positiveInt)
    .option(
      '--lr <r>',
      `SGD learning rate of the first epoch, halved each epoch (default ${TRIGGER_UNITS_DEFAULTS.lr}; ` +
        `${COLOUR_STAMPS.lr} on a colour input)`,
      finiteNumber,
    )
    .addOption(
      new Option(
        '--room <where>',
        "where the units live: 'path', new units beside the model's own, trained (its answers to natural inputs " +
          "unchanged); 'pixel-path', a path from the pixels made with no training, which fine-tuning cannot reach " +
          "(models that start with a convolution; their default); 'least-used', the penultimate layer's least-used " +
          'units set aside, the whole network retrained',
      ).choices(['path', 'pixel-path', 'least-used']),
    )
    .option(
      '--widen <x>',
      "the penultimate layer's int8 range is widened this many times so a firing unit is not clipped " +
        `(default ${WIDEN_BY_ROOM.path} for the paths, ${WIDEN_BY_ROOM['least-used']} for least-used)`,
      atLeastOne,
    )
    .option(
      '--input-shape <name:dims>',
      "pin the model input's symbolic dims, as for compile (a paddle2onnx export's H and W), e.g. x:1,1,28,28",
      collect,
      [],
    )
    .option('--json', 'print one JSON object')
    .action(async (input: string, f: Flags) => {
      checkOutputPaths([f.output], [input, f.key, f.data, f.labels]);
      const model = readOnnx(readFileBytes(input), input);
      const set = loadDataset(f.data);
      const labels = f.labels ? loadLabels(f.labels, set.count) : set.labels;
      // the network as the trainer reads it (an exporter's Transposes, Softmax and folded nodes aside)
      const inputShapes = parseInputShapes(f.inputShape);
      const form = trainerForm(model, inputShapes);
      const stamps = stampDefaults(stampChannels(form.model));
      const room = f.room ?? defaultRoom(form.model);
      // the path from the pixels trains nothing, so it needs the owner's inputs only
      if (!labels && room !== 'pixel-path')
        throw new EdgelockError('E_USAGE', `'${set.name}' has no labels: pass --labels <npy>`);
      if (room === 'pixel-path' && (f.pixels !== undefined || f.epochs !== undefined || f.lr !== undefined))
        throw new EdgelockError(
          'E_USAGE',
          '--pixels, --epochs and --lr set a trained path; the path from the pixels has none (use --room path for one)',
        );
      const master = readKeyFile(f.key);
      const traceKey = deriveTraceKey(master);
      master.fill(0);
      const t0 = Date.now();
      try {
        const r = triggerUnitsOwnerModel({
          model,
          inputShapes,
          form,
          traceKey,
          data: { x: set.data, labels, count: set.count, sampleShape: set.sampleShape },
          training: {
            ...TRIGGER_UNITS_DEFAULTS,
            units: f.units,
            pixels: f.pixels ?? stamps.pixels,
            epochs: f.epochs ?? TRIGGER_UNITS_DEFAULTS.epochs,
            lr: f.lr ?? stamps.lr,
            room,
            widen: f.widen ?? WIDEN_BY_ROOM[room],
          },
        });
        writeFileAtomic(f.output, writeOnnx(r.model));
        const summary = { output: f.output, ...r.record, seconds: (Date.now() - t0) / 1000 };
        if (f.json) printJson(summary);
        else
          process.stdout.write(
            `wrote ${f.output}: ${r.record.units.length} trigger units (` +
              (r.record.scheme === 'edgelock-tu2'
                ? `a path from the pixels, a keyed ${r.record.patch.join('x')} pattern, `
                : `${r.record.pixels} stamped pixels, `) +
              `${r.record.votes} votes each, range widened ${r.record.widen}x) in ${summary.seconds.toFixed(1)} s\n`,
          );
      } finally {
        traceKey.fill(0);
      }
    });
}
