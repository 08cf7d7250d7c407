/**
 * Which filter outputs of a compiled model are a pixel path's (pixel-path.ts): the last output channel of every
 * CONV_2D and the last K of every FULLY_CONNECTED but the model's last, K the record's units. Their weights are
 * quiet on natural data by construction (the path is off there), but a row that reads one cell through one large
 * weight has a large per-channel scale, so a quiet carrier's 8-step code on its zeros would wake the path on natural
 * inputs (measured: LeNet −0.54 points and 26 of 320 votes lost); the quiet code leaves these rows at one step.
 */
import { TRIGGER_UNITS_METADATA_KEY, readTriggerUnitsRecord } from '../../compiler/trigger-units-record';
import { TfliteModelInfo } from '../../tflite/reader';
import { WeightTensor } from '../weight-tensors';

/** (weight tensor, element) ↦ whether the element feeds one of the pixel path's outputs; always false without one. */
export function pixelPathOutputs(
  info: TfliteModelInfo,
  tensors: readonly WeightTensor[],
): (w: number, i: number) => boolean {
  const record = readTriggerUnitsRecord(info.metadata.find((m) => m.name === TRIGGER_UNITS_METADATA_KEY)?.text);
  if (!record || record.scheme !== 'edgelock-tu2') return () => false;
  const K = record.units.length;
  const lastFc = tensors.reduce((last, t, w) => (t.op === 'FULLY_CONNECTED' ? w : last), -1);
  return (w, i) => {
    const t = tensors[w];
    const outs = t.shape[0];
    // CONV_2D [Cout, kh, kw, Cin] and FULLY_CONNECTED [N, K]: the output is the first dimension
    const channel = Math.floor(i / (t.count / outs));
    if (t.op === 'CONV_2D') return channel === outs - 1;
    return t.op === 'FULLY_CONNECTED' && w !== lastFc && channel >= outs - K;
  };
}
