/**
 * The official TensorFlow Lite runtime (@tensorflow/tfjs-tflite, TFLite compiled to WebAssembly)
 * loaded in Node, used as the reference that every emitted .tflite file must satisfy.
 *
 * The package targets browsers; the shims below (see docs in shared/notes/tflite-runtime-in-node.md)
 * make its web-worker code path work in Node: `self`/`location`, `importScripts` evaluating the
 * Emscripten glue in this realm, `fetch` answering absolute file paths, MessageChannel hidden while
 * loading so the single-threaded SIMD build is chosen, and `numThreads: 1`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EdgelockError } from '../errors';

export type OracleDType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int16' | 'bool';

export interface OracleTensor {
  data: Float32Array | Int32Array;
  shape: number[];
  /** The tensor's dtype in the model. Integer data (int8, uint8, int16, bool) travels as Int32Array. */
  dtype: OracleDType | string;
}

export interface OracleInput {
  data: Float32Array | Int32Array;
  shape: number[];
  /** Informational; the model's own input dtype decides how values are written. */
  dtype?: OracleDType | string;
}

/* Minimal structural types for the parts of tfjs we touch (keeps tfjs types out of our API). */
interface TfTensor {
  dtype: string;
  shape: number[];
  dataSync(): Float32Array | Int32Array | Uint8Array;
  dispose(): void;
}
interface TfCore {
  tensor(values: Float32Array | Int32Array, shape: number[], dtype: string): TfTensor;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
}
interface TensorInfo {
  name: string;
  shape: number[];
  dtype: string;
}
interface RunnerTensorInfo {
  name: string;
  dataType: string;
  shape: string;
  /** the tensor's values: a view of the interpreter's WebAssembly memory */
  data(): ArrayLike<number>;
}
interface TfliteModelHandle {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  predict(inputs: TfTensor | TfTensor[]): TfTensor | Record<string, TfTensor>;
  modelRunner?: { getInputs(): RunnerTensorInfo[]; getOutputs(): RunnerTensorInfo[]; cleanUp?(): void };
}
interface TfliteModule {
  setWasmPath(p: string): void;
  getWasmFeatures(): Promise<{ simd: boolean; multiThreading: boolean }>;
  loadTFLiteModel(model: ArrayBuffer, options: { numThreads: number }): Promise<TfliteModelHandle>;
}

interface Runtime {
  tf: TfCore;
  tflite: TfliteModule;
}

let runtimePromise: Promise<Runtime> | null = null;

function wasmDirectory(): string {
  const pkgJson = require.resolve('@tensorflow/tfjs-tflite/package.json');
  return path.join(path.dirname(pkgJson), 'wasm');
}

function installNodeShims(wasmDir: string): void {
  const g = globalThis as Record<string, unknown>;
  if (g.__edgelockTfliteShims) return;
  g.__edgelockTfliteShims = true;

  if (g.self === undefined) g.self = globalThis;
  if (g.location === undefined) {
    g.location = { origin: '', href: path.join(wasmDir, 'tflite_web_api_client.js'), protocol: 'file:' };
  }
  if (g.importScripts === undefined) {
    // Indirect eval runs the glue in this realm's global scope (also inside jest's sandbox).
    const indirectEval = eval;
    g.importScripts = (...files: string[]) => {
      for (const file of files) indirectEval(fs.readFileSync(file, 'utf8') + `\n//# sourceURL=${file}`);
    };
  }
  const originalFetch = g.fetch as ((input: unknown, init?: unknown) => Promise<unknown>) | undefined;
  g.fetch = async (input: unknown, init?: unknown) => {
    if (typeof input === 'string' && path.isAbsolute(input) && fs.existsSync(input)) {
      const bytes = fs.readFileSync(input);
      const type = input.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
      return new Response(bytes, { status: 200, headers: { 'Content-Type': type } });
    }
    if (!originalFetch) throw new Error(`fetch is not available for ${String(input)}`);
    return originalFetch(input, init);
  };
}

async function loadRuntime(): Promise<Runtime> {
  const wasmDir = wasmDirectory();
  installNodeShims(wasmDir);
  installLogTap();
  const tf = require('@tensorflow/tfjs-core') as TfCore;
  require('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  // The package probes WebAssembly features once, starting as soon as it is loaded, and caches
  // the answer; MessageChannel stays hidden until that probe has settled on the single-threaded build.
  const tflite = await withoutMessageChannel(async () => {
    const mod = require('@tensorflow/tfjs-tflite') as TfliteModule;
    mod.setWasmPath(wasmDir + '/');
    const features = await mod.getWasmFeatures();
    if (features.multiThreading) throw new Error('the multi-threaded TFLite build was selected; it cannot run in Node');
    return mod;
  });
  return { tf, tflite };
}

async function withoutMessageChannel<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>;
  const saved = Object.getOwnPropertyDescriptor(g, 'MessageChannel');
  delete g.MessageChannel;
  try {
    return await fn();
  } finally {
    if (saved) Object.defineProperty(g, 'MessageChannel', saved);
  }
}

function runtime(): Promise<Runtime> {
  if (!runtimePromise) {
    runtimePromise = loadRuntime().catch((e) => {
      runtimePromise = null;
      throw new EdgelockError('E_RUNTIME', `cannot start the TFLite runtime: ${messageOf(e)}`);
    });
  }
  return runtimePromise;
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}

/*
 * The runtime reports its reasons ("Didn't find op for builtin opcode ...") through console.warn
 * (Emscripten binds console.warn when its glue is evaluated), while the thrown error only says
 * "Can't initialize model". A permanent tap, installed before the glue loads, lets each load/run
 * collect those lines and put them into the E_RUNTIME message. Routine notices are dropped.
 */
const ROUTINE_NOTICES = [
  /^WARNING: converting '/,
  /^INFO: Created TensorFlow Lite XNNPACK delegate/,
  /Hi, looks like you are running TensorFlow.js in Node.js/,
];
let logSink: string[] | null = null;

function installLogTap(): void {
  const g = globalThis as Record<string, unknown>;
  if (g.__edgelockTfliteLogTap) return;
  g.__edgelockTfliteLogTap = true;
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (ROUTINE_NOTICES.some((re) => re.test(text))) return;
    if (logSink) logSink.push(text);
    else original.apply(console, args);
  };
}

/** Runs `fn` collecting the runtime's log lines; on failure they become part of the E_RUNTIME message. */
async function withRuntimeLog<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  const previous = logSink;
  const lines: string[] = [];
  logSink = lines;
  try {
    return await fn();
  } catch (e) {
    if (e instanceof EdgelockError) throw e;
    const reasons = lines.filter((l) => /^ERROR:/.test(l)).map((l) => l.replace(/^ERROR:\s*/, '').trim());
    throw new EdgelockError('E_RUNTIME', [`${what}: ${messageOf(e)}`, ...reasons].join('; '));
  } finally {
    logSink = previous;
  }
}

const INTEGER_DTYPES = new Set(['int8', 'uint8', 'int16', 'int32', 'uint32', 'bool']);

/** A model loaded once into the TFLite interpreter and run many times. */
export class TfliteOracle {
  private disposed = false;

  private constructor(
    private readonly rt: Runtime,
    private readonly model: TfliteModelHandle,
    /** Model input/output dtypes as the interpreter reports them (int8 stays int8 here). */
    readonly inputDtypes: string[],
    readonly outputDtypes: string[],
  ) {}

  static async load(modelBytes: Uint8Array): Promise<TfliteOracle> {
    const rt = await runtime();
    const exact = modelBytes.buffer.slice(
      modelBytes.byteOffset,
      modelBytes.byteOffset + modelBytes.byteLength,
    ) as ArrayBuffer;
    const model = await withRuntimeLog('the TFLite runtime rejected the model', () =>
      withoutMessageChannel(() => rt.tflite.loadTFLiteModel(exact, { numThreads: 1 })),
    );
    const runner = model.modelRunner;
    const inputDtypes = runner ? runner.getInputs().map((t) => t.dataType) : model.inputs.map((t) => t.dtype);
    const outputDtypes = runner ? runner.getOutputs().map((t) => t.dataType) : model.outputs.map((t) => t.dtype);
    return new TfliteOracle(rt, model, inputDtypes, outputDtypes);
  }

  get inputShapes(): number[][] {
    return this.model.inputs.map((t) => [...t.shape]);
  }

  get outputShapes(): number[][] {
    return this.model.outputs.map((t) => [...t.shape]);
  }

  /** Runs one inference. Integer-typed model inputs take Int32Array values (the runtime narrows them). */
  run(inputs: OracleInput[]): OracleTensor[] {
    if (this.disposed) throw new EdgelockError('E_INTERNAL', 'TfliteOracle used after dispose()');
    const { tf } = this.rt;
    if (inputs.length !== this.inputDtypes.length) {
      throw new EdgelockError(
        'E_RUNTIME',
        `the model has ${this.inputDtypes.length} inputs, ${inputs.length} were given`,
      );
    }
    const tensors: TfTensor[] = [];
    try {
      inputs.forEach((input, i) => {
        const integer = INTEGER_DTYPES.has(this.inputDtypes[i]);
        if (integer && !(input.data instanceof Int32Array)) {
          throw new EdgelockError(
            'E_RUNTIME',
            `input ${i} is ${this.inputDtypes[i]}: pass integer values in an Int32Array`,
          );
        }
        if (!integer && !(input.data instanceof Float32Array)) {
          throw new EdgelockError('E_RUNTIME', `input ${i} is ${this.inputDtypes[i]}: pass a Float32Array`);
        }
        const count = input.shape.reduce((a, b) => a * b, 1);
        if (count !== input.data.length) {
          throw new EdgelockError(
            'E_RUNTIME',
            `input ${i}: shape [${input.shape}] needs ${count} values, got ${input.data.length}`,
          );
        }
        tensors.push(tf.tensor(input.data, input.shape, integer ? 'int32' : 'float32'));
      });
      const result = withRuntimeLogSync(() => this.model.predict(tensors.length === 1 ? tensors[0] : tensors));
      const byName: Record<string, TfTensor> = isTensor(result) ? { [this.model.outputs[0].name]: result } : result;
      const produced = Object.values(byName);
      try {
        if (produced.length !== this.outputDtypes.length) {
          throw new EdgelockError(
            'E_RUNTIME',
            `the runtime returned ${produced.length} outputs for ${this.outputDtypes.length} model outputs (output tensor names must be unique)`,
          );
        }
        return this.model.outputs.map((info, i) => {
          const t = byName[info.name];
          let raw = t.dataSync();
          // A float32 output is handed back as a view of the interpreter's WebAssembly memory, not a copy; when that
          // memory grew during the inference (a model loaded earlier in the process allocating its arena), the view
          // is detached and reads as empty. The values are still in the memory: read them through a fresh view.
          if (raw.length === 0 && t.shape.every((d) => d > 0)) raw = this.freshOutput(i);
          const data = raw instanceof Float32Array ? Float32Array.from(raw) : Int32Array.from(raw);
          return { data, shape: [...t.shape], dtype: this.outputDtypes[i] };
        });
      } finally {
        produced.forEach((t) => t.dispose());
      }
    } catch (e) {
      if (e instanceof EdgelockError) throw e;
      throw new EdgelockError('E_RUNTIME', `the TFLite runtime failed: ${messageOf(e)}`);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  }

  /** Output i of the last inference through a view made now (float32 outputs only; see run). */
  private freshOutput(i: number): Float32Array | Int32Array {
    const out = this.model.modelRunner?.getOutputs()[i];
    const view = out?.data();
    if (!(view instanceof Float32Array) || view.length === 0)
      throw new EdgelockError('E_RUNTIME', `the TFLite runtime lost output ${i} of the inference`);
    return view;
  }

  /** Frees the interpreter's WebAssembly memory. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.modelRunner?.cleanUp?.();
  }
}

/** Synchronous variant of withRuntimeLog for inference. */
function withRuntimeLogSync<T>(fn: () => T): T {
  const previous = logSink;
  const lines: string[] = [];
  logSink = lines;
  try {
    return fn();
  } catch (e) {
    const reasons = lines.filter((l) => /^ERROR:/.test(l)).map((l) => l.replace(/^ERROR:\s*/, '').trim());
    throw new EdgelockError('E_RUNTIME', [`the TFLite runtime failed: ${messageOf(e)}`, ...reasons].join('; '));
  } finally {
    logSink = previous;
  }
}

function isTensor(x: unknown): x is TfTensor {
  return typeof x === 'object' && x !== null && typeof (x as TfTensor).dataSync === 'function';
}

/** Loads `modelBytes`, runs one inference and frees the interpreter. */
export async function runTflite(modelBytes: Uint8Array, inputs: OracleInput[]): Promise<OracleTensor[]> {
  const oracle = await TfliteOracle.load(modelBytes);
  try {
    return oracle.run(inputs);
  } finally {
    oracle.dispose();
  }
}
