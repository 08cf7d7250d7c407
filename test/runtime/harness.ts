/**
 * Builds the C runtime's host harness (firmware-tools/runtime/host/el_run.c) with the host gcc and
 * runs .tflite models through it and through the official TFLite runtime (the oracle).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TfliteOracle } from '../../src/tflite/oracle';

export const RUNTIME_DIR = path.resolve(__dirname, '../../firmware-tools/runtime');

export function runtimeSources(): string[] {
  return fs
    .readFileSync(path.join(RUNTIME_DIR, 'sources.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => path.join(RUNTIME_DIR, l));
}

export const STRICT_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];

/**
 * Compiles el_run (`sanitize`: with ASan + UBSan). The binary is cached in the temp directory under a
 * hash of the sources and flags, so test files share one build; a changed source rebuilds.
 */
export function buildHarness(sanitize = false, defines: string[] = []): string {
  const flags = [
    ...(sanitize
      ? ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer']
      : ['-O2']),
    ...defines.map((d) => `-D${d}`),
  ];
  const sources = [...runtimeSources(), path.join(RUNTIME_DIR, 'host/el_run.c')];
  const headers = fs
    .readdirSync(RUNTIME_DIR)
    .filter((f) => f.endsWith('.h'))
    .map((f) => path.join(RUNTIME_DIR, f))
    .concat(
      fs
        .readdirSync(path.join(RUNTIME_DIR, 'kernels'))
        .filter((f) => f.endsWith('.h'))
        .map((f) => path.join(RUNTIME_DIR, 'kernels', f)),
    );
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify([STRICT_FLAGS, flags]));
  for (const f of [...sources, ...headers].sort()) hash.update(f).update(fs.readFileSync(f));
  const exe = path.join(os.tmpdir(), `el_run-${sanitize ? 'asan-' : ''}${hash.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(exe)) return exe;
  const tmp = `${exe}.${process.pid}.tmp`;
  execFileSync('gcc', [...STRICT_FLAGS, ...flags, '-o', tmp, ...sources, '-lm'], { stdio: 'pipe' });
  fs.renameSync(tmp, exe); // atomic: parallel test workers never see a half-written binary
  return exe;
}

export interface CTensorInfo {
  type: 'int8' | 'float32' | 'int32';
  shape: number[];
  bytes: number;
  scale: number;
  zero_point: number;
}

export interface CRunResult {
  status: string;
  code?: number;
  failed_op?: number;
  arena_needed?: number;
  ops?: number;
  macs?: number;
  arena_used?: number;
  /** the shared scratch region the optimised kernels asked for (part of arena_used) */
  scratch?: number;
  inputs?: CTensorInfo[];
  outputs?: CTensorInfo[];
  /** Output values (int8 as numbers, float32 as numbers). */
  values?: (Int8Array | Float32Array)[];
}

export type RuntimeInput = Int8Array | Float32Array;

function bytesOf(a: RuntimeInput): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Runs one inference through the C harness. */
export function runC(
  exe: string,
  model: Uint8Array,
  inputs: RuntimeInput[],
  arena?: number,
  overrides: { tensor: number; data: Uint8Array }[] = [],
  flags: string[] = [],
): CRunResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-run-'));
  try {
    const modelPath = path.join(dir, 'model.tflite');
    const inPath = path.join(dir, 'in.bin');
    const outPath = path.join(dir, 'out.bin');
    fs.writeFileSync(modelPath, model);
    fs.writeFileSync(inPath, Buffer.concat(inputs.map(bytesOf)));
    const args = [modelPath, inPath, outPath, ...(arena !== undefined ? ['--arena', String(arena)] : [])];
    overrides.forEach((o, i) => {
      const file = path.join(dir, `override${i}.bin`);
      fs.writeFileSync(file, o.data);
      args.push('--override', `${o.tensor}=${file}`);
    });
    args.push(...flags);
    const r = spawnSync(exe, args, { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 2) throw new Error(`el_run failed (${r.status}): ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() as string) as CRunResult;
    if (result.status === 'ok') {
      const raw = fs.readFileSync(outPath);
      let at = 0;
      result.values = (result.outputs ?? []).map((o) => {
        const slice = raw.subarray(at, at + o.bytes);
        at += o.bytes;
        const copy = new Uint8Array(slice).buffer;
        return o.type === 'float32' ? new Float32Array(copy) : new Int8Array(copy);
      });
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prepares (and, when valid, invokes) many model files in one harness process. */
export function runBatch(
  exe: string,
  files: string[],
  arena = 1 << 20,
): { statuses: string[]; stderr: string; exitCode: number | null } {
  const r = spawnSync(exe, ['--batch', ...files, '--arena', String(arena)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const statuses = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { status: string }).status);
  return { statuses, stderr: r.stderr, exitCode: r.status };
}

/** Runs the oracle; int8 inputs are passed as Int32Array as the JS API requires. */
export async function runOracle(
  model: Uint8Array,
  inputs: RuntimeInput[],
  shapes: number[][],
): Promise<(Int32Array | Float32Array)[]> {
  return (await runOracleMany(model, [inputs], shapes))[0];
}

/** Loads the model into the oracle once and runs every input set. */
export async function runOracleMany(
  model: Uint8Array,
  inputSets: RuntimeInput[][],
  shapes: number[][],
): Promise<(Int32Array | Float32Array)[][]> {
  const oracle = await TfliteOracle.load(model);
  try {
    return inputSets.map((inputs) =>
      oracle
        .run(inputs.map((x, i) => ({ data: x instanceof Float32Array ? x : Int32Array.from(x), shape: shapes[i] })))
        .map((t) => t.data),
    );
  } finally {
    oracle.dispose();
  }
}

/**
 * The kernels the oracle ran for each node, from its profiler: a builtin name ("SOFTMAX") when the
 * TFLite kernel ran, "TfLiteXNNPackDelegate" when XNNPACK took the node. XNNPACK's int8 kernels use
 * their own requantisation arithmetic and are not bit-exact with TFLite's reference kernels.
 */
export async function oracleKernels(
  model: Uint8Array,
  shapes: number[][],
  kinds: ('int8' | 'float32')[],
): Promise<string[]> {
  // The profiler occasionally returns no events for a fresh interpreter; ask again (a few times).
  for (let attempt = 0; attempt < 4; attempt++) {
    const kernels = await profileOnce(model, shapes, kinds);
    if (kernels.length > 0) return kernels;
  }
  throw new Error('the oracle profiler recorded no nodes; cannot tell which kernels ran');
}

async function profileOnce(model: Uint8Array, shapes: number[][], kinds: ('int8' | 'float32')[]): Promise<string[]> {
  (await TfliteOracle.load(model)).dispose(); // installs the Node shims and loads the runtime once
  const tflite = require('@tensorflow/tfjs-tflite');
  const tf = require('@tensorflow/tfjs-core');
  const g = globalThis as Record<string, unknown>;
  const messageChannel = g.MessageChannel;
  let runner;
  try {
    delete g.MessageChannel;
    const exact = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength);
    runner = await tflite.loadTFLiteModel(exact, {
      numThreads: 1,
      enableProfiling: true,
      maxProfilingBufferEntries: 1 << 20,
    });
  } finally {
    if (messageChannel !== undefined) g.MessageChannel = messageChannel;
  }
  const inputs = shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return kinds[i] === 'float32'
      ? tf.tensor(new Float32Array(n), s, 'float32')
      : tf.tensor(new Int32Array(n), s, 'int32');
  });
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    for (let run = 0; run < 2; run++) {
      const out = runner.predict(inputs.length === 1 ? inputs[0] : inputs);
      (Array.isArray(out) ? out : typeof out.dispose === 'function' ? [out] : Object.values(out)).forEach(
        (t: { dispose(): void }) => t.dispose(),
      );
    }
  } finally {
    console.warn = warn;
  }
  const kernels = (runner.getProfilingResults() as { nodeType: string }[]).map((p) => p.nodeType);
  inputs.forEach((t: { dispose(): void }) => t.dispose());
  runner.modelRunner?.cleanUp?.();
  return [...new Set(kernels)];
}

export const XNNPACK = 'TfLiteXNNPackDelegate';

export interface Comparison {
  elements: number;
  differing: number;
  maxDiff: number;
}

export function compare(a: ArrayLike<number>, b: ArrayLike<number>): Comparison {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d !== 0) differing++;
    maxDiff = Math.max(maxDiff, d);
  }
  return { elements: a.length, differing, maxDiff };
}
