/**
 * `edgelock compile <in.onnx> -o <out.tflite> [--float | --int8 --calib <data>] [--io int8|float]
 *   [--input-layout auto|nhwc|nchw] [--input-shape name:d0,d1,… …] [--c-array <out.h>] [--calib-method minmax|percentile|mse] [--json]`
 *
 * Without --float/--int8 the precision is int8 when --calib is given, float32 otherwise.
 * Rank-4 model inputs: --input-layout auto (default) keeps an input the ONNX graph already takes
 * channels-last (tf2onnx/Keras exports) and moves NCHW inputs channels-last, as TFLite models are;
 * nhwc always moves them; nchw keeps the ONNX order at the cost of one TRANSPOSE (free when the
 * input has one channel). The summary prints each input's shape and why.
 */
import { Command, Option } from 'commander';
import * as path from 'path';
import { cArrayHeader } from '../../compiler/c-array';
import { COMPILE_DEFAULTS, compileModel, CompileOptions, CompileSummary } from '../../compiler/compile';
import { compileLocked } from '../../lock/compile-locked';
import { LOCK_METADATA_KEY } from '../../lock/descriptor';
import { readOnnx } from '../../onnx/reader';
import { keyMaterialFromFlags } from './key-flags';
import { InputLayout } from '../../compiler/lower/lower-model';
import { RangeMethod } from '../../compiler/calibrate';
import { loadDataset } from '../../data/dataset';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { detectFormat } from '../../formats/detect';
import { FORMAT_TITLES, readFileBytes } from '../../formats/load';
import { printJson } from '../output';
import { humanBytes } from '../../text/bytes';
import { formatShape } from '../../text/shape';
import { formatTable } from '../../text/table';
import { parseInputShapes } from '../../ir/pin-inputs';
import { collect } from '../option-parsers';
import { checkOutputPaths } from '../../formats/output-guard';

interface CompileFlags {
  output: string;
  float?: boolean;
  int8?: boolean;
  calib?: string;
  io?: string;
  inputLayout?: string;
  inputShape?: string[];
  cArray?: string;
  calibMethod?: string;
  json?: boolean;
  key?: string;
  deviceUid?: string;
}

const IO_MODES = ['int8', 'float'];
const LAYOUTS = ['auto', 'nhwc', 'nchw'];
const METHODS = ['minmax', 'percentile', 'mse'];

function checkFlags(f: CompileFlags): 'float32' | 'int8' {
  const precision = f.int8 || (!f.float && f.calib) ? 'int8' : 'float32';
  if (precision === 'float32') {
    if (f.calib) throw new EdgelockError('E_USAGE', '--calib applies to --int8 compiles');
    if (f.io) throw new EdgelockError('E_USAGE', '--io applies to --int8 compiles');
    if (f.calibMethod) throw new EdgelockError('E_USAGE', '--calib-method applies to --int8 compiles');
  } else if (!f.calib) {
    throw new EdgelockError(
      'E_USAGE',
      '--int8 needs --calib <data> (a .npy file of samples, or mnist-train / mnist-test)',
    );
  }
  return precision;
}

export function formatCompileSummary(s: CompileSummary, out: string): string {
  const lines: string[] = [];
  lines.push(
    `wrote ${out}: ${s.precision === 'int8' ? `int8 (${s.io} I/O)` : 'float32'} TFLite model, ${humanBytes(s.modelBytes)} (${s.modelBytes} bytes)`,
  );
  lines.push('');
  const quant = (v: { scale?: number; zeroPoint?: number }) =>
    v.scale !== undefined ? `scale ${v.scale.toPrecision(6)} zp ${v.zeroPoint}` : '';
  lines.push(
    formatTable(
      ['', 'name', 'dtype', 'shape', 'layout', 'quantisation'],
      [
        ...s.inputs.map((v) => ['input', v.name, v.dtype, formatShape(v.shape), v.layout ?? '', quant(v)]),
        ...s.outputs.map((v) => ['output', v.name, v.dtype, formatShape(v.shape), '', quant(v)]),
      ],
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      ['op', 'version', 'count'],
      s.ops.map((o) => [o.op, o.version, o.count]),
    ),
  );
  lines.push('');
  lines.push(
    `tensors ${s.tensors}, estimated tensor arena ${humanBytes(s.arenaBytes)} (${s.arenaBytes} bytes, greedy plan)`,
  );
  lines.push(`firmware must register: ${s.register.map((r) => `${r.call}()`).join(', ')}`);
  for (const v of s.inputs)
    if (v.layoutReason) lines.push(`input '${v.name}' ${formatShape(v.shape)}: ${v.layoutReason}`);
  for (const note of s.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export function register(program: Command): Command {
  return program
    .command('compile <model>')
    .description('compile an ONNX model to a TFLite flatbuffer for TFLite Micro (float32, or int8 calibrated on data)')
    .requiredOption('-o, --output <file>', 'the .tflite file to write')
    .addOption(new Option('--float', 'float32 model').conflicts('int8'))
    .option('--int8', 'full-integer int8 model (needs --calib)')
    .option('--calib <data>', 'calibration samples: a float32 .npy (first dim = samples), or mnist-train / mnist-test')
    .addOption(
      new Option(
        '--calib-method <method>',
        `activation ranges (default ${COMPILE_DEFAULTS.calibrationMethod})`,
      ).choices(METHODS),
    )
    .addOption(
      new Option(
        '--io <mode>',
        `int8 models: the type of the input/output tensors (default ${COMPILE_DEFAULTS.io})`,
      ).choices(IO_MODES),
    )
    .addOption(
      new Option(
        '--input-layout <layout>',
        `how a rank-4 model input is fed (default ${COMPILE_DEFAULTS.inputLayout}); auto keeps an input the ` +
          `ONNX graph already takes channels-last and moves NCHW ones channels-last`,
      ).choices(LAYOUTS),
    )
    .option(
      '--input-shape <name:dims>',
      "pin a model input's symbolic dims before shape inference, e.g. image:1,3,96,96 (repeatable)",
      collect,
      [],
    )
    .option('--c-array <file>', 'also write the model as a C header (alignas(16) byte array + length)')
    .option(
      '--key <keyfile>',
      'locked models: the master key file (the model is unlocked in memory, compiled, and its weights re-sealed)',
    )
    .option('--device-uid <uid>', "locked models bound to a device: that device's unique id")
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: CompileFlags) => {
      const precision = checkFlags(flags);
      const inputShapes = parseInputShapes(flags.inputShape);
      checkOutputPaths([flags.output, flags.cArray], [file, flags.calib, flags.key]);
      const bytes = readFileBytes(file);
      const fmt = detectFormat(bytes);
      if (fmt !== 'onnx') {
        throw new EdgelockError(
          fmt === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
          `'${file}' is ${FORMAT_TITLES[fmt]}; compile needs an ONNX model`,
          { file },
        );
      }
      const data = flags.calib ? loadDataset(flags.calib) : undefined;
      const locked = LOCK_METADATA_KEY in readOnnx(bytes, file).metadata;
      const material = keyMaterialFromFlags(flags);
      if (locked && !material) {
        throw new EdgelockError(
          'E_USAGE',
          `'${file}' is a locked model: compile it with --key <keyfile> (and --device-uid <uid> for a device-bound lock)`,
          { file },
        );
      }
      if (!locked && material)
        throw new EdgelockError('E_USAGE', `--key applies to locked models; '${file}' is not locked`, { file });
      const compile = locked ? (b: Uint8Array, o: CompileOptions) => compileLocked(b, material!, o) : compileModel;
      const result = await compile(bytes, {
        precision,
        io: flags.io as 'int8' | 'float' | undefined,
        inputLayout: (flags.inputLayout ?? COMPILE_DEFAULTS.inputLayout) as InputLayout,
        inputShapes,
        calibration: data ? { data: data.data, count: data.count, sampleShape: data.sampleShape } : undefined,
        calibrationMethod: flags.calibMethod as RangeMethod | undefined,
        file,
      });
      const out = flags.output;
      writeFileAtomic(out, result.bytes);
      let header: string | undefined;
      if (flags.cArray) {
        const name = path.basename(out).replace(/\.[^.]*$/, '') || 'model';
        writeFileAtomic(
          flags.cArray,
          cArrayHeader(result.bytes, `${name}_tflite`, `${path.basename(file)} → ${path.basename(out)}`),
        );
        header = flags.cArray;
      }
      if (flags.json) printJson({ output: out, ...(header ? { cArray: header } : {}), ...result.summary });
      else process.stdout.write(formatCompileSummary(result.summary, out) + (header ? `\nwrote ${header}` : '') + '\n');
    });
}
