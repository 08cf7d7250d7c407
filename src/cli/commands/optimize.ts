import { Command } from 'commander';
import { loadOnnxFile } from '../../formats/load';
import { writeFileAtomic } from '../../formats/atomic-write';
import { inferShapes } from '../../ops/shape-inference';
import { checkOutputPaths } from '../../formats/output-guard';
import { writeOnnx } from '../../onnx/writer';
import { runPipeline } from '../../passes/pipeline';
import { printJson } from '../output';
import { formatTable } from '../../text/table';

interface OptimizeOptions {
  output: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('optimize <in.onnx>')
    .description(
      'run the pass pipeline (folding, BatchNorm fusion, Gemm normalisation, dead-code removal) and write ONNX',
    )
    .requiredOption('-o, --output <out.onnx>', 'where to write the optimised model')
    .option('--json', 'print one JSON object')
    .action((input: string, opts: OptimizeOptions) => {
      checkOutputPaths([opts.output], [input]);
      const model = inferShapes(loadOnnxFile(input));
      const { model: optimized, log } = runPipeline(model);
      writeFileAtomic(opts.output, writeOnnx(optimized));
      const summary = {
        input,
        output: opts.output,
        nodesBefore: model.graph.nodes.length,
        nodesAfter: optimized.graph.nodes.length,
        passes: log,
      };
      if (opts.json) {
        printJson(summary);
        return;
      }
      process.stdout.write(
        `${input}: ${summary.nodesBefore} nodes → ${summary.nodesAfter} nodes, written to ${opts.output}\n\n` +
          formatTable(
            ['pass', 'changed', 'nodes before', 'nodes after'],
            log.filter((l) => l.changed).map((l) => [l.pass, 'yes', l.nodesBefore, l.nodesAfter]),
          ) +
          '\n',
      );
    });
}
