/**
 * `edgelock eval`: accuracy of an ONNX or .tflite classifier, locked or not. A locked model runs
 * as stored (sealed weights) unless key material is given; then it is unlocked first, exactly as
 * a device holding that key would (key id checked unless `verify` is false).
 */
import { EdgelockError } from '../errors';
import { detectFormat } from '../formats/detect';
import { FORMAT_TITLES } from '../formats/load';
import { readOnnx } from '../onnx';
import { readDescriptor } from '../lock/descriptor';
import { KeyMaterial } from '../lock/key-material';
import { unlockModel } from '../lock/lock-model';
import { readTfliteDescriptor, unsealTflite } from '../lock/tflite-lock';
import { LabelledSet } from './labelled-data';
import { predictOnnx } from './onnx-classifier';
import { predictTflite } from './tflite-classifier';

export interface EvalOptions {
  material?: KeyMaterial;
  verify?: boolean;
  file?: string;
}

export interface EvalResult {
  accuracy: number;
  samples: number;
  format: 'onnx' | 'tflite';
  locked: boolean;
  unlocked: boolean;
  scheme?: string;
  keyId?: string;
}

export async function predictModelFile(
  bytes: Uint8Array,
  data: LabelledSet,
  opts: EvalOptions = {},
): Promise<{ predictions: Int32Array; info: Omit<EvalResult, 'accuracy' | 'samples'> }> {
  const fmt = detectFormat(bytes);
  if (fmt === 'onnx') {
    let model = readOnnx(bytes, opts.file);
    const d = readDescriptor(model);
    if (d && opts.material) model = unlockModel(model, opts.material, opts.verify ?? true);
    const predictions = await predictOnnx(model, data);
    return {
      predictions,
      info: {
        format: 'onnx',
        locked: !!d,
        unlocked: !!d && !!opts.material,
        ...(d ? { scheme: d.scheme, keyId: d.keyId } : {}),
      },
    };
  }
  if (fmt === 'tflite') {
    const d = readTfliteDescriptor(bytes);
    const model = d && opts.material ? unsealTflite(bytes, opts.material, opts.verify ?? true) : bytes;
    const predictions = await predictTflite(model, data);
    return {
      predictions,
      info: {
        format: 'tflite',
        locked: !!d,
        unlocked: !!d && !!opts.material,
        ...(d ? { scheme: d.scheme, keyId: d.keyId } : {}),
      },
    };
  }
  throw new EdgelockError(
    fmt === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
    `${opts.file ? `'${opts.file}'` : 'the model'} is ${FORMAT_TITLES[fmt]}; eval needs an ONNX or TFLite model`,
    { file: opts.file },
  );
}

export async function evaluateModelFile(
  bytes: Uint8Array,
  data: LabelledSet,
  opts: EvalOptions = {},
): Promise<EvalResult> {
  const { predictions, info } = await predictModelFile(bytes, data, opts);
  let ok = 0;
  for (let i = 0; i < data.count; i++) if (predictions[i] === data.labels[i]) ok++;
  return { accuracy: ok / data.count, samples: data.count, ...info };
}
