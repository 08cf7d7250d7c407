/**
 * Resolves the dataset names accepted by the CLI's `--calib` and `--data` options: a bundled
 * named split (`mnist-train`, `mnist-test`) or a path to a NumPy .npy file whose first dimension
 * counts samples (float32; float64 is converted). Files are recognised by their bytes, not
 * their extension.
 */
import * as fs from 'fs';
import { EdgelockError } from '../errors';
import { readInputFile } from './read-input';
import { shapeSize, toNumbers } from '../ir/tensor';
import { isIdxUbyte, parseIdx } from './idx';
import { loadMnist } from './mnist';
import { isNpy, parseNpy } from './npy';
import { checkFinite } from './sample-check';

export interface Dataset {
  /** The name or path it was loaded from. */
  name: string;
  /** (count, ...sampleShape) */
  shape: number[];
  sampleShape: number[];
  count: number;
  /** Samples in C order, one after another. */
  data: Float32Array;
  /** Class labels, when the source has them. */
  labels?: Uint8Array;
}

function fromLabelled(name: string, split: 'train' | 'test'): Dataset {
  const m = loadMnist(split);
  return { name, shape: m.shape, sampleShape: m.shape.slice(1), count: m.count, data: m.images, labels: m.labels };
}

/** Named datasets: a table, so new bundled sets are one line. */
export const NAMED_DATASETS: Record<string, (name: string) => Dataset> = {
  'mnist-train': (name) => fromLabelled(name, 'train'),
  'mnist-test': (name) => fromLabelled(name, 'test'),
};

function readBytes(file: string): Uint8Array {
  if (!fs.existsSync(file)) {
    const known = Object.keys(NAMED_DATASETS).join(', ');
    throw new EdgelockError(
      'E_FILE_NOT_FOUND',
      `dataset '${file}' is neither a file nor a bundled dataset (${known})`,
      { file },
    );
  }
  return readInputFile(file, { what: 'dataset' });
}

export function loadDataset(spec: string): Dataset {
  const named = NAMED_DATASETS[spec];
  if (named) return named(spec);
  const bytes = readBytes(spec);
  if (!isNpy(bytes)) {
    throw new EdgelockError(
      'E_FORMAT_UNKNOWN',
      `dataset '${spec}' is not a NumPy .npy file`,
      { file: spec },
      'save the samples with numpy.save (float32, first dimension = samples)',
    );
  }
  const t = parseNpy(bytes, spec);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new EdgelockError(
      'E_NPY_INVALID',
      `dataset '${spec}' holds ${t.dtype}; samples must be float32 (or float64)`,
      { file: spec },
    );
  }
  if (t.shape.length < 2 || t.shape[0] === 0) {
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `dataset '${spec}' has shape (${t.shape.join(', ')}); the first dimension must count samples (at least one) and the rest form one model input`,
      { file: spec },
    );
  }
  const data = t.dtype === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as Float64Array);
  checkFinite(data, shapeSize(t.shape.slice(1)), `dataset '${spec}'`, spec);
  return { name: spec, shape: t.shape, sampleShape: t.shape.slice(1), count: t.shape[0], data };
}

/** Integer class labels from a .npy file (any integer dtype, values 0..255) or an IDX label file. */
export function loadLabels(file: string, expectedCount?: number): Uint8Array {
  const bytes = readBytes(file);
  let values: number[];
  let shape: number[];
  if (isNpy(bytes)) {
    const t = parseNpy(bytes, file);
    if (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16') {
      throw new EdgelockError('E_NPY_INVALID', `labels in '${file}' are ${t.dtype}; integer class indices are needed`, {
        file,
      });
    }
    values = toNumbers(t);
    shape = t.shape;
  } else if (isIdxUbyte(bytes)) {
    const a = parseIdx(bytes, file);
    values = Array.from(a.data);
    shape = a.shape;
  } else {
    throw new EdgelockError('E_FORMAT_UNKNOWN', `labels file '${file}' is neither .npy nor IDX`, { file });
  }
  if (shape.length !== 1)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `labels in '${file}' have shape (${shape.join(', ')}); a 1-D array is needed`,
      { file },
    );
  if (expectedCount !== undefined && shapeSize(shape) !== expectedCount) {
    throw new EdgelockError('E_DATA_SHAPE', `'${file}' holds ${shapeSize(shape)} labels for ${expectedCount} samples`, {
      file,
    });
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v > 255)
      throw new EdgelockError('E_DATA_SHAPE', `label ${v} at index ${i} of '${file}' is outside 0..255`, { file });
    out[i] = v;
  }
  return out;
}
