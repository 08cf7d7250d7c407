/**
 * Rebuilds the zoo: node dist/zoo/build.js [--only name[,name]] [--out dir]
 * Writes models/<name>.onnx for each model and merges the entries into models/zoo.json.
 * Files are written atomically, so an interrupted run leaves the previous files intact.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../formats/atomic-write';
import { writeOnnx } from '../onnx/writer';
import { asEdgelockError } from '../errors';
import { ZOO_BUILDERS } from './index';
import { ZooInfo } from './zoo-model';
import { MODELS_DIR } from './models-dir';

const DEFAULT_OUT = MODELS_DIR;

function countParams(bytesModel: { graph: { initializers: Map<string, { data: { length: number } }> } }): number {
  let n = 0;
  for (const t of bytesModel.graph.initializers.values()) n += t.data.length;
  return n;
}

export async function buildZoo(names: string[] | null, outDir: string, log: (s: string) => void): Promise<ZooInfo[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const indexFile = path.join(outDir, 'zoo.json');
  const previous: { models?: ZooInfo[] } = fs.existsSync(indexFile)
    ? JSON.parse(fs.readFileSync(indexFile, 'utf8'))
    : {};
  const index = {
    generator:
      'npm run models (node dist/zoo/build.js [--only name,...]); kws-dscnn and cifar-resnet8 train with ' +
      '/usr/bin/python3 models/synthetic/train.py (torch); PyTorch exports: /usr/bin/python3 ' +
      'models/pytorch/export.py',
    node: process.version,
    models: previous.models ?? [],
  };
  const built: ZooInfo[] = [];
  for (const builder of ZOO_BUILDERS) {
    if (names && !names.includes(builder.name)) continue;
    log(`building ${builder.name} (seed ${builder.seed})`);
    const t0 = Date.now();
    let result: Awaited<ReturnType<typeof builder.build>>;
    try {
      result = await builder.build({ log });
    } catch (e) {
      const err = asEdgelockError(e);
      if (err.code !== 'E_ZOO_TRAINER_MISSING') throw e;
      // The model needs PyTorch to train: say so and keep the committed file and zoo.json entry.
      log(`  ${err.toLine()}; keeping the committed ${builder.name}.onnx`);
      continue;
    }
    const { model, info } = result;
    const bytes = writeOnnx(model);
    writeFileAtomic(path.join(outDir, `${builder.name}.onnx`), bytes);
    const entry: ZooInfo = {
      ...info,
      params: countParams(model),
      buildSeconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    built.push(entry);
    log(`  wrote ${builder.name}.onnx: ${bytes.length} bytes, ${entry.params} params, ${entry.buildSeconds}s`);
    const others = index.models.filter((m) => m.name !== builder.name);
    index.models = [...others, entry].sort(
      (a, b) => ZOO_BUILDERS.findIndex((z) => z.name === a.name) - ZOO_BUILDERS.findIndex((z) => z.name === b.name),
    );
    writeFileAtomic(indexFile, JSON.stringify(index, null, 2) + '\n');
  }
  return built;
}

async function main(argv: string[]): Promise<void> {
  let names: string[] | null = null;
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') names = argv[++i].split(',');
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --only name[,name] and --out dir)`);
  }
  if (names) {
    const unknown = names.filter((n) => !ZOO_BUILDERS.some((b) => b.name === n));
    if (unknown.length)
      throw new Error(
        `unknown zoo model(s) ${unknown.join(', ')}; known: ${ZOO_BUILDERS.map((b) => b.name).join(', ')}`,
      );
  }
  const t0 = Date.now();
  await buildZoo(names, out, (s) => process.stderr.write(s + '\n'));
  process.stderr.write(`zoo built in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(asEdgelockError(e).toLine() + '\n');
    process.exit(1);
  });
}
