/** A dataset with labels for evaluation/attacks: named splits carry labels, .npy data needs a labels file. */
import { Dataset, loadDataset, loadLabels } from '../data/dataset';
import { EdgelockError } from '../errors';

export interface LabelledSet {
  name: string;
  sampleShape: number[];
  count: number;
  x: Float32Array;
  labels: Uint8Array;
}

export function loadLabelledSet(data: string, labelsFile?: string, limit?: number): LabelledSet {
  const ds: Dataset = loadDataset(data);
  const labels = labelsFile ? loadLabels(labelsFile, ds.count) : ds.labels;
  if (!labels) throw new EdgelockError('E_USAGE', `'${data}' carries no labels; pass --labels <file.npy>`);
  const count = limit !== undefined ? Math.min(limit, ds.count) : ds.count;
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  return {
    name: ds.name,
    sampleShape: ds.sampleShape,
    count,
    x: ds.data.subarray(0, count * size),
    labels: labels.subarray(0, count),
  };
}

export function argmax(v: ArrayLike<number>, offset = 0, n = v.length - offset): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[offset + i] > v[offset + best]) best = i;
  return best;
}
