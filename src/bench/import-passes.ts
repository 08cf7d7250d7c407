import { readFileSync } from 'fs';
import { inferShapes } from '../ops/shape-inference';
import { readOnnx } from '../onnx/reader';
import { writeOnnx } from '../onnx/writer';
import { runPipeline } from '../passes/pipeline';
import { zooModels } from '../zoo/models-dir';
import { Benchmark, BenchTable, medianMs } from './types';

export const importPasses: Benchmark = {
  name: 'import-passes',
  async run(): Promise<BenchTable> {
    const rows: (string | number)[][] = [];
    for (const z of zooModels()) {
      const bytes = readFileSync(z.path);
      const model = readOnnx(bytes, z.path);
      const tRead = await medianMs(() => readOnnx(bytes, z.path));
      const tInfer = await medianMs(() => inferShapes(model));
      let nodesAfter = 0;
      const tPasses = await medianMs(() => {
        nodesAfter = runPipeline(model).model.graph.nodes.length;
      });
      const tWrite = await medianMs(() => writeOnnx(model));
      rows.push([
        z.name,
        bytes.length,
        model.graph.nodes.length,
        nodesAfter,
        tRead.toFixed(2),
        tInfer.toFixed(2),
        tPasses.toFixed(2),
        tWrite.toFixed(2),
      ]);
    }
    return {
      title: 'ONNX import, shape inference and pass pipeline (median of 5, ms)',
      header: ['model', 'bytes', 'nodes', 'nodes after passes', 'read ms', 'infer ms', 'passes ms', 'write ms'],
      rows,
    };
  },
};
