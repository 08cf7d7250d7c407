/**
 * Score offsets for one compiled model (`package --score-offsets <delta> --offsets-reference <data>`): the record's
 * input shape from the model's int8 image input [1, H, W, C] (H, W >= 2), delta from output units to the
 * int8 output's steps, and the mean and whitening calibrated on the reference as the board receives it.
 */
import { EdgelockError } from '../errors';
import { MAX_DELTA, ScoreOffsetsParams } from '../package/score-offsets';
import { quantisedPool } from '../response-mark/pool';
import { readTflite } from '../tflite/reader';
import { SCORE_OFFSETS_DEFAULTS, calibrateScoreOffsets } from './calibrate';

/** Reference inputs used at most (the moments' statistics settle long before). */
export const REFERENCE_LIMIT = 20_000;

export function scoreOffsetsForModel(tflite: Uint8Array, delta: number, reference: string[]): ScoreOffsetsParams {
  const sg = readTflite(tflite).subgraphs[0];
  const input = sg?.tensors[sg.inputs[0]];
  const output = sg?.tensors[sg.outputs[0]];
  if (!input || !output || input.dtype !== 'int8')
    throw new EdgelockError('E_USAGE', '--score-offsets needs a model with one int8 input');
  const s = input.shape;
  if (s.length !== 4 || s[0] !== 1 || s[1] < 2 || s[2] < 2)
    throw new EdgelockError('E_USAGE', `--score-offsets needs an image input [1, H, W, C], the model has [${s}]`);
  const [height, width, channels] = [s[1], s[2], s[3]];
  const grid = Math.min(SCORE_OFFSETS_DEFAULTS.grid, height, width);
  const steps = output.dtype === 'int8' ? delta / output.quantization!.scale[0] : delta;
  if (!(Math.fround(steps) > 0 && Math.fround(steps) <= MAX_DELTA))
    throw new EdgelockError(
      'E_USAGE',
      `--score-offsets ${delta} is ${Number(steps.toPrecision(4))} steps of this model's ${output.dtype} output; ` +
        `the record holds more than 0 and at most ${MAX_DELTA}`,
    );
  const q = quantisedPool(tflite, reference, REFERENCE_LIMIT);
  return calibrateScoreOffsets(
    { degrees: SCORE_OFFSETS_DEFAULTS.degrees, grid, height, width, channels, clip: SCORE_OFFSETS_DEFAULTS.clip },
    Math.fround(steps),
    q.count,
    q.int8,
  );
}
