/**
 * The model half of the main job, on the host: watermark (embed the owner's signature by fine-tuning) → trigger
 * units (a detector path beside the model, for tracing a leak to its board) → lock (seal every learned tensor under
 * a per-model key, `--model-key`, so one compiled image serves the whole product line) → compile to int8 TFLite
 * (calibrated, re-sealed) → check with the references: onnxruntime for the ONNX models, the TFLite runtime for the
 * compiled one, with and without the key.
 */
import { join } from 'path';
import { compileLocked } from '../lock/compile-locked';
import { lockModel } from '../lock/lock-model';
import { loadDataset } from '../data/dataset';
import { evaluateModelFile } from '../eval/evaluate';
import { LabelledSet } from '../eval/labelled-data';
import { writeFileAtomic } from '../formats/atomic-write';
import { Model } from '../ir/types';
import { writeOnnx } from '../onnx/writer';
import { embedWatermark } from '../watermark/embed';
import { WatermarkRecord } from '../watermark/metadata';
import { humanBytes } from '../text/bytes';
import { deriveTraceKey, keyId } from '../keys/derive';
import { defaultRoom, triggerUnitsOwnerModel } from '../trace/units/owner-model';
import { TRIGGER_UNITS_DEFAULTS } from '../trace/units/params';

export interface ModelChainInput {
  model: Model;
  modelBytes: Uint8Array;
  outDir: string;
  master: Buffer;
  ownerSignature: Uint8Array;
  ownerId: string;
  /** held-out images for the accuracy checks */
  test: LabelledSet;
  /** training epochs of the watermark embedding */
  epochs: number;
  log: (line: string) => void;
  row: (step: string, result: string) => void;
}

export interface ModelChainResult {
  tflite: Uint8Array;
  tflitePath: string;
  record: WatermarkRecord;
  accuracy: { original: number; watermarked: number; int8WithKey: number; int8NoKey: number };
  triggerAccuracy: number;
  /** the held-out images the accuracy checks used */
  test: LabelledSet;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export async function runModelChain(c: ModelChainInput): Promise<ModelChainResult> {
  const { log, row } = c;
  const original = await evaluateModelFile(c.modelBytes, c.test);

  const train = loadDataset('mnist-train');
  const t0 = Date.now();
  let lastLog = 0;
  const wm = await embedWatermark(c.model, {
    signature: c.ownerSignature,
    modelId: 'mnist-lenet-demo',
    data: train.data,
    labels: train.labels!,
    count: train.count,
    epochs: c.epochs,
    onProgress: (p) => {
      if (Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      log(
        `  watermark: epoch ${p.epoch + 1}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}, ${Math.round(p.samplesPerSec)} samples/s`,
      );
    },
  });
  const wmBytes = writeOnnx(wm.model);
  writeFileAtomic(join(c.outDir, 'model.wm.onnx'), wmBytes);
  const watermarked = await evaluateModelFile(wmBytes, c.test);
  log(
    `watermark owner '${c.ownerId}': ${wm.record.triggers} triggers learned ${pct(wm.triggerAccuracy)} ` +
      `in ${((Date.now() - t0) / 1000).toFixed(0)} s; accuracy ${pct(original.accuracy)} ` +
      `→ ${pct(watermarked.accuracy)}`,
  );
  row(
    'watermark',
    `owner '${c.ownerId}', ${wm.record.triggers} triggers (${pct(wm.triggerAccuracy)} learned); ` +
      `accuracy ${pct(original.accuracy)} → ${pct(watermarked.accuracy)} (ONNX, onnxruntime)`,
  );

  // trigger units: a detector path beside the model, made once (for LeNet a path from the pixels, with no training), so
  // that each board's package can carry its classes and a leaked copy names its board (docs/security.md, "Trigger
  // units")
  const t1 = Date.now();
  const traceKey = deriveTraceKey(c.master);
  let units: ReturnType<typeof triggerUnitsOwnerModel>;
  try {
    units = triggerUnitsOwnerModel({
      model: wm.model,
      traceKey,
      data: { x: train.data, labels: train.labels!, count: train.count },
      training: { ...TRIGGER_UNITS_DEFAULTS, room: defaultRoom(wm.model) },
    });
  } finally {
    traceKey.fill(0);
  }
  const where = units.record.scheme === 'edgelock-tu2' ? 'on a path from the pixels' : 'beside the model';
  const unitsBytes = writeOnnx(units.model);
  writeFileAtomic(join(c.outDir, 'model.units.onnx'), unitsBytes);
  const withUnits = await evaluateModelFile(unitsBytes, c.test);
  log(
    `units     ${units.record.units.length} trigger units ${where} in ${((Date.now() - t1) / 1000).toFixed(0)} s; ` +
      `accuracy ${pct(watermarked.accuracy)} → ${pct(withUnits.accuracy)}`,
  );
  row(
    'trigger units',
    `${units.record.units.length} units ${where}, each firing on one keyed stamp (each board's package ` +
      `carries its own classes in them); accuracy ${pct(watermarked.accuracy)} → ${pct(withUnits.accuracy)} (onnxruntime)`,
  );

  const locked = lockModel(units.model, { master: c.master }, { binding: 'model' });
  const lockedBytes = writeOnnx(locked.model);
  writeFileAtomic(join(c.outDir, 'model.locked.onnx'), lockedBytes);
  log(
    `lock      scheme ${locked.descriptor.scheme}, per-model key (id ${locked.descriptor.keyId}), ${locked.descriptor.entries.length} tensors sealed`,
  );
  row(
    'lock',
    `${locked.descriptor.scheme}: ${locked.descriptor.entries.length} tensors sealed with ChaCha20 under a ` +
      `per-model key (key id ${locked.descriptor.keyId}; master key id ${keyId(c.master)})`,
  );

  const calibCount = 500;
  const size = train.sampleShape.reduce((a, b) => a * b, 1);
  const compiled = await compileLocked(
    lockedBytes,
    { master: c.master },
    {
      precision: 'int8',
      io: 'int8',
      file: 'model.locked.onnx',
      calibration: {
        data: train.data.subarray(0, calibCount * size),
        count: calibCount,
        sampleShape: train.sampleShape,
      },
    },
  );
  const tflitePath = join(c.outDir, 'model.locked.int8.tflite');
  writeFileAtomic(tflitePath, compiled.bytes);
  const withKey = await evaluateModelFile(compiled.bytes, c.test, { material: { master: c.master } });
  const noKey = await evaluateModelFile(compiled.bytes, c.test);
  log(
    `compile   int8 ${humanBytes(compiled.bytes.length)}, arena ${humanBytes(compiled.summary.arenaBytes)}; ` +
      `TFLite runtime: with key ${pct(withKey.accuracy)}, without ${pct(noKey.accuracy)}`,
  );
  row(
    'compile',
    `int8 .tflite ${humanBytes(compiled.bytes.length)}, arena ${humanBytes(compiled.summary.arenaBytes)}, ` +
      `ops ${compiled.summary.ops.map((o) => o.op).join(' ')}`,
  );
  row(
    'check on host',
    `TFLite runtime, ${c.test.count} test images: with the key ${pct(withKey.accuracy)}, without it ${pct(noKey.accuracy)}`,
  );

  return {
    tflite: compiled.bytes,
    tflitePath,
    record: wm.record,
    triggerAccuracy: wm.triggerAccuracy,
    test: c.test,
    accuracy: {
      original: original.accuracy,
      watermarked: watermarked.accuracy,
      int8WithKey: withKey.accuracy,
      int8NoKey: noKey.accuracy,
    },
  };
}
