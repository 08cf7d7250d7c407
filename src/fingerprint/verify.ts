/**
 * Black-box verification of a fingerprint: query the suspect model (a file or a board) on the
 * fingerprint inputs, count the answers equal to the fingerprint labels, and compute the exact
 * binomial p-value P[X ≥ matches | count, null rate] against the null measured on independently
 * trained models (src/fingerprint/artefact.ts). Needs only arg-max answers.
 */
import { EdgelockError } from '../errors';
import { ClassifierRunner } from '../watermark/runners';
import { Score, scoreLabels } from '../watermark/score';
import { Fingerprint } from './artefact';

export interface FingerprintReport extends Score {
  method: Fingerprint['method'];
  /** the suspect's answers equal the owner's model's (sanity: near 100% for the owner's own model) */
  matchRate: number;
}

export function checkFits(classes: number, sampleShape: number[], fp: Fingerprint): void {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const want = fp.sampleShape.reduce((a, b) => a * b, 1);
  if (size !== want)
    throw new EdgelockError(
      'E_FINGERPRINT_MODEL',
      `the model takes ${size} values per sample, the fingerprint was made for ${want} ([${fp.sampleShape}])`,
    );
  if (classes !== fp.classes)
    throw new EdgelockError(
      'E_FINGERPRINT_MODEL',
      `the model has ${classes} classes, the fingerprint was made for ${fp.classes}`,
    );
}

/** Scores the suspect's labels on the fingerprint inputs. */
export function scoreFingerprint(predicted: ArrayLike<number>, fp: Fingerprint, alpha = fp.alpha): FingerprintReport {
  const s = scoreLabels(predicted, fp.labels, fp.null.nullRate, alpha);
  return { ...s, method: fp.method, matchRate: s.matches / s.triggers };
}

export async function verifyFingerprint(
  runner: ClassifierRunner,
  fp: Fingerprint,
  alpha = fp.alpha,
): Promise<FingerprintReport> {
  checkFits(runner.classes, runner.sampleShape, fp);
  return scoreFingerprint(await runner.predict(fp.inputs, fp.count), fp, alpha);
}
