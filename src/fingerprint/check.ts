/**
 * The fingerprint check as the commands run it: on a model file (ONNX through onnxruntime, .tflite
 * through the TFLite runtime) or on a board's installed model (RUN over the serial protocol), and the
 * table rows `watermark verify`, `verify` and `fingerprint verify` print for it.
 */
import { DeviceClient } from '../device/client';
import { FormatName } from '../formats/detect';
import { RUNNERS } from '../watermark/runners';
import { Fingerprint } from './artefact';
import { boardClassifier } from './device-runner';
import { FingerprintReport, verifyFingerprint } from './verify';

export async function checkFingerprintFile(
  bytes: Uint8Array,
  format: FormatName,
  file: string,
  fp: Fingerprint,
  alpha?: number,
): Promise<FingerprintReport> {
  const make = RUNNERS[format];
  if (!make) throw new Error(`no runner for ${format}`);
  const runner = await make(bytes, file);
  try {
    return await verifyFingerprint(runner, fp, alpha);
  } finally {
    runner.dispose();
  }
}

export async function checkFingerprintOnBoard(
  client: DeviceClient,
  slot: number,
  fp: Fingerprint,
  alpha?: number,
  onProgress?: (done: number, total: number) => void,
): Promise<FingerprintReport> {
  return verifyFingerprint(await boardClassifier(client, slot, fp.sampleShape, onProgress), fp, alpha);
}

function p(r: FingerprintReport): string {
  return r.pValue > 0 ? r.pValue.toExponential(3) : `10^${r.log10PValue.toFixed(1)}`;
}

/** [check, result] rows for a report table. */
export function fingerprintRows(r: FingerprintReport): string[][] {
  return [
    ['fingerprint matches', `${r.matches}/${r.triggers}`],
    ['fingerprint null rate', `${r.nullRate.toPrecision(4)} (independent models, measured)`],
    ['fingerprint p-value', p(r)],
    ['fingerprint verdict', `${r.verdict === 'detected' ? 'copy detected' : 'not detected'} (alpha ${r.alpha})`],
  ];
}
