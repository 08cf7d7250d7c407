import { Command } from 'commander';
import { EdgelockError } from '../../errors';
import { detectFormat } from '../../formats/detect';
import { readFileBytes } from '../../formats/load';
import { formatOnnxReport, graphDump, inspectOnnx } from '../../inspect/onnx';
import { readOnnx } from '../../onnx/reader';
import { printJson } from '../output';
import { parseInputShapes } from '../../ir/pin-inputs';
import { collect } from '../option-parsers';
import { INSPECTORS } from '../../inspect/registry';

interface InspectOptions {
  json?: boolean;
  graph?: boolean;
  inputShape?: string[];
}

export function register(program: Command): Command {
  return program
    .command('inspect <file>')
    .description('describe an ONNX model, a TFLite model or an edgelock package (format detected from the bytes)')
    .option('--json', 'print one JSON object')
    .option(
      '--input-shape <name:dims>',
      "ONNX: pin a model input's symbolic dims before shape inference, e.g. image:1,3,96,96 (repeatable)",
      collect,
      [],
    )
    .option('--graph', 'print the deterministic text dump of the graph IR (ONNX)')
    .action((file: string, opts: InspectOptions) => {
      const bytes = readFileBytes(file);
      const fmt = detectFormat(bytes);
      if (fmt === 'onnx') {
        const { report, inferred } = inspectOnnx(readOnnx(bytes, file), {
          inputShapes: parseInputShapes(opts.inputShape),
        });
        if (opts.graph) process.stdout.write(graphDump(inferred));
        else if (opts.json) printJson(report);
        else process.stdout.write(formatOnnxReport(report, file) + '\n');
        return;
      }
      const inspector = INSPECTORS[fmt];
      if (!inspector) {
        throw new EdgelockError(
          'E_FORMAT_UNKNOWN',
          `'${file}' is not an ONNX model, a TFLite model or an edgelock package`,
          { file },
        );
      }
      if (opts.inputShape && opts.inputShape.length > 0)
        throw new EdgelockError('E_USAGE', `--input-shape applies to ONNX models; '${file}' is ${fmt}`);
      if (opts.graph) throw new EdgelockError('E_USAGE', `--graph applies to ONNX models; '${file}' is ${fmt}`);
      const report = inspector.inspect(bytes, file);
      if (opts.json) printJson(report);
      else process.stdout.write(inspector.format(report, file) + '\n');
    });
}
