/**
 * A package's score offsets calibrated on the owner's data (`package --score-offsets`): the moments' mean and a
 * whitening (the inverse square root of their covariance, computed on the moments standardised first, since their
 * scales differ by orders of magnitude), so that every feature has unit variance and none repeats another on that
 * data. Statistics of the data, not of any key: every board gets the same.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { EdgelockError } from '../errors';
import { ScoreOffsetsParams, scoreOffsetsProblem } from '../package/score-offsets';
import { moments } from './features';

export const SCORE_OFFSETS_DEFAULTS = { degrees: 4, grid: 7, clip: 2.5 } as const;

export type ScoreOffsetsShape = Pick<ScoreOffsetsParams, 'degrees' | 'grid' | 'height' | 'width' | 'channels' | 'clip'>;

/**
 * The record for inputs of `shape` at `delta` output units, from `count` reference inputs (int8, as the board
 * receives them). Refused when the reference is too small or its moments are degenerate (a constant input).
 */
export function calibrateScoreOffsets(
  shape: ScoreOffsetsShape,
  delta: number,
  count: number,
  input: (i: number) => Int8Array,
): ScoreOffsetsParams {
  const m = shape.degrees * shape.degrees;
  const shapeProblem = scoreOffsetsProblem({
    ...shape,
    delta: Math.fround(delta),
    mean: new Float32Array(m),
    whiten: new Float32Array(m * m),
  });
  if (shapeProblem) throw new EdgelockError('E_USAGE', `--score-offsets: ${shapeProblem}`);
  if (count < 10 * m)
    throw new EdgelockError(
      'E_USAGE',
      `--score-offsets: ${count} reference inputs are too few for ${m} features (at least ${10 * m})`,
    );
  const all = Array.from({ length: count }, (_, i) => moments(input(i), shape));
  const mean = new Float32Array(m);
  for (let k = 0; k < m; k++) mean[k] = all.reduce((s, c) => s + c[k], 0) / count;
  const sd = new Float64Array(m);
  for (let k = 0; k < m; k++) sd[k] = Math.sqrt(all.reduce((s, c) => s + (c[k] - mean[k]) ** 2, 0) / (count - 1));
  if (!sd.every((v) => v > 0))
    throw new EdgelockError('E_USAGE', '--score-offsets: a moment does not vary over the reference inputs');
  const corr = new Matrix(m, m);
  for (const c of all)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++)
        corr.set(i, j, corr.get(i, j) + (((c[i] - mean[i]) / sd[i]) * ((c[j] - mean[j]) / sd[j])) / (count - 1));
  const e = new EigenvalueDecomposition(corr, { assumeSymmetric: true });
  const values = e.realEigenvalues;
  if (!values.every((v) => v > 1e-9 * m))
    throw new EdgelockError('E_USAGE', '--score-offsets: the moments are linearly dependent on the reference inputs');
  const U = e.eigenvectorMatrix;
  // W = U diag(λ^-1/2) Uᵀ diag(1/sd)
  const whiten = new Float32Array(m * m);
  for (let i = 0; i < m; i++)
    for (let k = 0; k < m; k++) {
      let v = 0;
      for (let l = 0; l < m; l++) v += (U.get(i, l) * U.get(k, l)) / Math.sqrt(values[l]);
      whiten[i * m + k] = v / sd[k];
    }
  return { ...shape, delta: Math.fround(delta), mean, whiten };
}
