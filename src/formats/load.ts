import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { readOnnx } from '../onnx/reader';
import { detectFormat, FormatName } from './detect';

import { readInputFile } from '../data/read-input';

/** A model, package or record file: regular files only, bounded (src/data/read-input.ts). */
export function readFileBytes(path: string): Uint8Array {
  return readInputFile(path);
}

const FORMAT_TITLES: Record<FormatName, string> = {
  onnx: 'an ONNX model',
  tflite: 'a TFLite model',
  elp: 'an edgelock package',
  unknown: 'not a recognised model format',
};

/** Loads an ONNX model, refusing other formats with a message that says what the file is. */
export function loadOnnxFile(path: string): Model {
  const bytes = readFileBytes(path);
  const fmt = detectFormat(bytes);
  if (fmt !== 'onnx') {
    throw new EdgelockError(
      fmt === 'unknown' ? 'E_FORMAT_UNKNOWN' : 'E_FORMAT_MISMATCH',
      `'${path}' is ${FORMAT_TITLES[fmt]}; this command needs an ONNX model`,
      { file: path },
    );
  }
  return readOnnx(bytes, path);
}

export { FORMAT_TITLES };
