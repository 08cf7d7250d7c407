import { readFileSync } from 'fs';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { readOnnx } from '../onnx/reader';
import { detectFormat, FormatName } from './detect';

export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EdgelockError('E_FILE_NOT_FOUND', `cannot read '${path}'${code ? ` (${code})` : ''}`, { file: path });
  }
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
