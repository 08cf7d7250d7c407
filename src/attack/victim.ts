/**
 * The model an extraction attack queries, behind one interface whatever it is: an ONNX file
 * (onnxruntime), a .tflite file (the official TFLite runtime) — either unlocked with the key as a
 * genuine board would run it, or run as stored — or a board over the serial protocol (RUN, one
 * inference per query). A victim answers its output scores (dequantised for int8 outputs); it is
 * also a ClassifierRunner (arg-max labels), so the ownership checks can query it like any model.
 * One opener per kind (a table).
 */
import { DeviceClient, QueryLimitRefusal, TensorDesc } from '../device/client';
import { queryUntilRefused } from './budgeted-board';
import { EdgelockError } from '../errors';
import { decodeRunOutput, elementCount, encodeRunInput } from '../board/run-io';
import { detectFormat } from '../formats/detect';
import { FORMAT_TITLES } from '../formats/load';
import { Model } from '../ir/types';
import { readDescriptor } from '../lock/descriptor';
import { KeyMaterial } from '../lock/key-material';
import { unlockModel } from '../lock/lock-model';
import { readTfliteDescriptor, unsealTflite } from '../lock/tflite-lock';
import { createSession, ort } from '../onnx/ort-session';
import { readOnnx } from '../onnx/reader';
import { writeOnnx } from '../onnx/writer';
import { TfliteOracle } from '../tflite/oracle';
import { quantizeAffine, tensorDequant, toModelLayout } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { ClassifierRunner, argmaxRows } from '../watermark/runners';

export type VictimKind = 'onnx' | 'tflite' | 'board';

export interface Victim extends ClassifierRunner {
  kind: VictimKind;
  /** the file, or "board <name> on <port>, slot n" */
  name: string;
  /** a locked file: whether it was unlocked with the key (false: queried as stored) */
  lock?: { scheme: string; unlocked: boolean };
  /** the ONNX graph when the victim is an ONNX file (its architecture is then known) */
  onnx?: Model;
  /** Output scores of `count` samples (ONNX layout), count × classes: logits or probabilities as the model gives them. */
  scores(x: Float32Array, count: number, onProgress?: (done: number) => void): Promise<Float32Array>;
  /**
   * A board with query limits: the scores of the samples it answered, in order, until it refused for good (its
   * budget spent; rate refusals are waited out up to a minute) — what an attacker keeps. Files answer everything.
   */
  scoresUntilRefused?(x: Float32Array, count: number, onProgress?: (done: number) => void): Promise<PartialScores>;
}

export interface PartialScores {
  /** answered × classes */
  scores: Float32Array;
  answered: number;
  /** the board's refusal that ended the queries (absent: all answered) */
  refusal?: QueryLimitRefusal & { code: string };
}

/** How long an attacker waits out rate-limit refusals in all before giving up. */
export const RATE_WAIT_MS = 60_000;

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function classesOf(shape: readonly (number | string | null)[] | null | undefined, what: string): number {
  const c = shape && shape.length ? shape[shape.length - 1] : undefined;
  if (typeof c !== 'number' || c < 2)
    throw new EdgelockError('E_DATA_SHAPE', `${what} has no fixed class dimension (shape [${shape ?? ''}])`);
  return c;
}

function withLabels(v: Omit<Victim, 'predict'>): Victim {
  return {
    ...v,
    async predict(x, count) {
      return argmaxRows(await v.scores(x, count), count, v.classes);
    },
  };
}

export async function onnxVictim(bytes: Uint8Array, file: string, material?: KeyMaterial): Promise<Victim> {
  let model = readOnnx(bytes, file);
  const d = readDescriptor(model);
  if (d && material) model = unlockModel(model, material);
  const g = model.graph;
  if (g.inputs.length !== 1)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `'${file}' has ${g.inputs.length} inputs; the attack queries one-input classifiers`,
    );
  const shape = g.inputs[0].shape;
  if (!shape || shape.slice(1).some((s) => typeof s !== 'number'))
    throw new EdgelockError(
      'E_ONNX_DYNAMIC_SHAPE',
      `input '${g.inputs[0].name}' of '${file}' needs a fixed per-sample shape`,
      { file },
    );
  const sampleShape = shape.slice(1) as number[];
  const classes = classesOf(g.outputs[0]?.shape, `output '${g.outputs[0]?.name}' of '${file}'`);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const step = typeof shape[0] === 'number' ? 1 : 256;
  let session: Awaited<ReturnType<typeof createSession>>;
  try {
    session = await createSession(writeOnnx(model));
  } catch (e) {
    throw new EdgelockError('E_RUNTIME', `onnxruntime could not load '${file}': ${messageOf(e)}`, { file });
  }
  const { Tensor } = ort();
  return withLabels({
    kind: 'onnx',
    name: file,
    classes,
    sampleShape,
    onnx: model,
    ...(d ? { lock: { scheme: d.scheme, unlocked: !!material } } : {}),
    async scores(x, count, onProgress) {
      const out = new Float32Array(count * classes);
      for (let s = 0; s < count; s += step) {
        const n = Math.min(step, count - s);
        const feed = new Tensor('float32', Float32Array.from(x.subarray(s * size, (s + n) * size)), [
          n,
          ...sampleShape,
        ]);
        const r = await session.run({ [g.inputs[0].name]: feed });
        out.set((r[g.outputs[0].name].data as Float32Array).subarray(0, n * classes), s * classes);
        onProgress?.(s + n);
      }
      return out;
    },
    dispose() {
      void session.release();
    },
  });
}

export async function tfliteVictim(bytes: Uint8Array, file: string, material?: KeyMaterial): Promise<Victim> {
  const d = readTfliteDescriptor(bytes);
  const model = d && material ? unsealTflite(bytes, material) : bytes;
  const info = readTflite(model);
  const sg = info.subgraphs[0];
  if (!sg || sg.inputs.length !== 1)
    throw new EdgelockError('E_DATA_SHAPE', `'${file}' is not a one-input classifier; the attack queries those`, {
      file,
    });
  const input = sg.tensors[sg.inputs[0]];
  const output = sg.tensors[sg.outputs[0]];
  const classes = classesOf(output.shape, `output '${output.name}' of '${file}'`);
  const layout = recordedInputLayouts(info.metadata)?.[0];
  const nhwc = input.shape.length === 4 && (layout ?? 'nhwc') === 'nhwc';
  const sampleShape = nhwc ? [input.shape[3], input.shape[1], input.shape[2]] : input.shape.slice(1);
  const integer = input.dtype === 'int8' || input.dtype === 'uint8';
  const q = input.quantization;
  if (integer && (!q || q.scale.length !== 1))
    throw new EdgelockError('E_DATA_SHAPE', `input '${input.name}' of '${file}' has no per-tensor scale`, { file });
  const [lo, hi] = input.dtype === 'uint8' ? [0, 255] : [-128, 127];
  const dequant = tensorDequant(output);
  const oracle = await TfliteOracle.load(model);
  const size = input.shape.reduce((a, b) => a * b, 1);
  return withLabels({
    kind: 'tflite',
    name: file,
    classes,
    sampleShape,
    ...(d ? { lock: { scheme: d.scheme, unlocked: !!material } } : {}),
    async scores(x, count, onProgress) {
      const out = new Float32Array(count * classes);
      for (let s = 0; s < count; s++) {
        const sample = toModelLayout(x.subarray(s * size, (s + 1) * size), sampleShape, input.shape, layout);
        const feed = integer ? quantizeAffine(sample, q!.scale[0], q!.zeroPoint[0], lo, hi) : Float32Array.from(sample);
        const [o] = oracle.run([{ data: feed, shape: input.shape }]);
        for (let c = 0; c < classes; c++)
          out[s * classes + c] = dequant ? (o.data[c] - dequant.zeroPoint) * dequant.scale : o.data[c];
        if ((s + 1) % 256 === 0 || s + 1 === count) onProgress?.(s + 1);
      }
      return out;
    },
    dispose() {
      oracle.dispose();
    },
  });
}

/** The installed model of `slot` on a connected board; every query is one RUN (the protocol has no batch run). */
export async function boardVictim(client: DeviceClient, port: string, slot?: number): Promise<Victim> {
  const info = await client.info();
  const chosen = slot ?? info.package?.activeSlot ?? info.modelSlots.findIndex((s) => s.state === 'ready');
  const s = info.modelSlots[chosen];
  if (!s)
    throw new EdgelockError(
      slot === undefined ? 'E_DEVICE_MODEL_EMPTY' : 'E_USAGE',
      slot === undefined
        ? `the board on ${port} has no model installed`
        : `--slot ${slot}: the board on ${port} has ${info.modelSlots.length} model slots`,
    );
  if (s.state !== 'ready')
    throw new EdgelockError('E_DEVICE_MODEL_EMPTY', `slot ${chosen} of the board on ${port} holds no ready model`);
  const io = await client.modelIo(chosen);
  if (io.inputs.length !== 1)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the model in slot ${chosen} has ${io.inputs.length} inputs; the attack queries one-input classifiers`,
    );
  const input: TensorDesc = io.inputs[0];
  const output = io.outputs[0];
  const classes = classesOf(output?.shape, `the output of the model in slot ${chosen}`);
  // Edgelock compiles rank-4 image inputs channels-last: the samples' ONNX order is [C, H, W].
  const shape = input.shape;
  const sampleShape = shape.length === 4 ? [shape[3], shape[1], shape[2]] : shape.slice(1);
  const size = elementCount(input);
  return withLabels({
    kind: 'board',
    name: `board ${info.board} on ${port}, slot ${chosen}`,
    classes,
    sampleShape,
    async scores(x, count, onProgress) {
      const out = new Float32Array(count * classes);
      for (let i = 0; i < count; i++) {
        const sample = toModelLayout(x.subarray(i * size, (i + 1) * size), sampleShape, shape);
        const bytes = encodeRunInput({ dtype: 'float32', shape, data: sample }, input, `query ${i}`);
        const r = await client.run(chosen, bytes);
        const v = decodeRunOutput(r.outputs[0]).values;
        for (let c = 0; c < classes; c++) out[i * classes + c] = v[c];
        if ((i + 1) % 100 === 0 || i + 1 === count) onProgress?.(i + 1);
      }
      return out;
    },
    async scoresUntilRefused(x, count, onProgress) {
      const inModel = new Float32Array(count * size);
      for (let i = 0; i < count; i++)
        inModel.set(toModelLayout(x.subarray(i * size, (i + 1) * size), sampleShape, shape), i * size);
      const q = await queryUntilRefused(client, chosen, inModel, count, {
        maxWaitMs: RATE_WAIT_MS,
        onProgress: (n) => {
          if (n % 100 === 0 || n === count) onProgress?.(n);
        },
      });
      return { scores: q.scores, answered: q.labels.length, ...(q.refusal ? { refusal: q.refusal } : {}) };
    },
    dispose() {
      /* the caller owns the connection */
    },
  });
}

/** A model file as a victim, by its bytes (not its extension). */
export async function fileVictim(file: string, bytes: Uint8Array, material?: KeyMaterial): Promise<Victim> {
  const format = detectFormat(bytes);
  const open = FILE_VICTIMS[format];
  if (!open)
    throw new EdgelockError(
      format === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
      `'${file}' is ${FORMAT_TITLES[format]}; the attack queries ONNX or TFLite models (or a board: --port)`,
      { file },
    );
  return open(bytes, file, material);
}

const FILE_VICTIMS: Partial<
  Record<ReturnType<typeof detectFormat>, (b: Uint8Array, f: string, m?: KeyMaterial) => Promise<Victim>>
> = {
  onnx: onnxVictim,
  tflite: tfliteVictim,
};
