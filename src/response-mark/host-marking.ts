/**
 * The answers a marking board gives, computed on the host: the base model's scores from the TFLite runtime (the
 * victim's dequantised outputs) with the board's keyed decision applied to each input's int8 code (decision.ts). For
 * measurements and tests of copies trained on a board's answers without starting the board for every query:
 * test/response-mark/board-agreement.test.ts shows these are byte for byte the answers of host-sim, the QEMU M4 and
 * the QEMU M33 secure image.
 */
import { ResponseMarkParams } from '../package/response-mark';
import { quantizeAffine, toModelLayout } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { decide, firstArgmax, markedAnswer, runnerUp } from './decision';
import { ScoringRunner } from './verify';

/** A marking answerer: the scores the board answers for float samples (ONNX layout). */
export type MarkingAnswerer = (x: Float32Array, count: number) => Promise<Float32Array>;

/**
 * `victim` answering as a board running `base` with mark key `key` and these parameters would. The key is held by
 * the returned function (the caller's copy; the caller wipes it when done).
 */
export function hostMarking(
  victim: Pick<ScoringRunner, 'classes' | 'sampleShape' | 'scores'>,
  base: Uint8Array,
  params: ResponseMarkParams,
  key: Uint8Array,
): MarkingAnswerer {
  const model = readTflite(base);
  const sg = model.subgraphs[0];
  const input = sg.tensors[sg.inputs[0]];
  // the victim answers dequantised scores; the gate is in the int8 output's units, as the board's
  const outScale = sg.tensors[sg.outputs[0]].quantization!.scale[0];
  const layout = recordedInputLayouts(model.metadata)?.[0];
  const size = input.shape.reduce((a, b) => a * b, 1);
  return async (x, count) => {
    const s = await victim.scores(x, count);
    const C = victim.classes;
    for (let i = 0; i < count; i++) {
      const q = Int8Array.from(
        quantizeAffine(
          toModelLayout(x.subarray(i * size, (i + 1) * size), victim.sampleShape, input.shape, layout),
          input.quantization!.scale[0],
          input.quantization!.zeroPoint[0],
        ),
      );
      const row = s.subarray(i * C, (i + 1) * C);
      if (params.gate) {
        const top = firstArgmax(row);
        if (Math.round((row[top] - row[runnerUp(row, top)]) / outScale) >= params.gate) continue;
      }
      const d = decide(key, params, q, C, params.skipRunnerUp);
      if (d.marked) s.set(markedAnswer(row, d, 'float32', params.skipRunnerUp), i * C);
    }
    return s;
  };
}
