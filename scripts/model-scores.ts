/**
 * A model's output scores on a NumPy batch, for measurements run outside Node (scripts/score-offsets-thief.py):
 *   npx tsx scripts/model-scores.ts --model <model.onnx|.tflite> --data <x.npy> --out <scores.npy>
 * x.npy holds float32 samples in the ONNX layout ([n, ...sample shape]); scores.npy gets float32 [n, classes], the
 * model's logits or probabilities as it gives them (onnxruntime or the official TFLite runtime).
 */
import { suspectFile } from '../src/cli/suspect';
import { readNpy, writeNpy } from '../src/data/npy';
import { makeTensor } from '../src/ir/tensor';
import { arg } from './support/args';

async function main(): Promise<void> {
  const x = readNpy(arg('data', ''));
  const n = x.shape[0];
  const model = await suspectFile(arg('model', ''));
  try {
    const scores = await model.scores(Float32Array.from(x.data as Float32Array), n);
    writeNpy(arg('out', ''), makeTensor('float32', [n, model.classes], scores));
  } finally {
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
