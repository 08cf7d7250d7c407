/**
 * The answers a board with score offsets gives an attacker, for students trained outside Node
 * (scripts/distill-pytorch.py), and the measurement's candidate list:
 *   npx tsx scripts/score-offsets-answers.ts --package <board.elp> --key <master> --out <dir> [--queries 12000]
 *       [--from 30000] [--decoy-boards 9]
 * Writes x.npy (float32 [n, 1, 28, 28]: MNIST train from --from, the attacker's queries) and scores.npy (the board's
 * dequantised answers: the package's model on the official TFLite runtime with the board's offsets added by
 * src/score-offsets/apply.ts, which test/score-offsets/board-agreement.test.ts shows are byte for byte the answers of
 * host-sim, the QEMU M4 and the QEMU M33), and devices.txt (the package's board and --decoy-boards other uids: the
 * candidates `score-offsets verify --devices` reads). Prints the model's and the board's accuracy on the MNIST test
 * images (the legitimate cost). No key is written.
 */
import * as fs from 'fs';
import { loadMnist } from '../src/data/mnist';
import { writeNpy } from '../src/data/npy';
import { makeTensor } from '../src/ir/tensor';
import { readKeyFile } from '../src/keys/key-file';
import { decodePackage } from '../src/package/decode';
import { offsetAnswer } from '../src/score-offsets/apply';
import { scoreOffsetsKey } from '../src/score-offsets/signs';
import { quantizeAffine, tensorDequant } from '../src/tflite/affine';
import { TfliteOracle } from '../src/tflite/oracle';
import { readTflite } from '../src/tflite/reader';
import { arg } from './support/args';

async function main(): Promise<void> {
  const pkg = decodePackage(fs.readFileSync(arg('package', '')), arg('package', ''));
  if (!pkg.scoreOffsets) throw new Error('the package carries no score offsets');
  const out = arg('out', '/tmp/score-offsets-answers');
  const n = Number(arg('queries', '12000'));
  const from = Number(arg('from', '30000'));
  const decoys = Number(arg('decoy-boards', '9'));
  const master = readKeyFile(arg('key', ''));
  const key = scoreOffsetsKey(master, Buffer.from(pkg.deviceUid, 'hex'));
  master.fill(0);
  fs.mkdirSync(out, { recursive: true });
  const sg = readTflite(pkg.model).subgraphs[0];
  const input = sg.tensors[sg.inputs[0]];
  const output = sg.tensors[sg.outputs[0]];
  const dequant = tensorDequant(output);
  const oracle = await TfliteOracle.load(pkg.model);
  try {
    const x = loadMnist('train').images.slice(from * 784, (from + n) * 784);
    const classes = output.shape.reduce((a, b) => a * b, 1);
    const scores = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      const q = Int8Array.from(
        quantizeAffine(
          x.subarray(i * 784, (i + 1) * 784),
          input.quantization!.scale[0],
          input.quantization!.zeroPoint[0],
        ),
      );
      const [o] = oracle.run([{ data: Int32Array.from(q), shape: input.shape, dtype: 'int8' }]);
      const a = offsetAnswer(
        key,
        pkg.scoreOffsets,
        q,
        Array.from(o.data),
        output.dtype === 'int8' ? 'int8' : 'float32',
      );
      for (let c = 0; c < classes; c++)
        scores[i * classes + c] = dequant ? (a[c] - dequant.zeroPoint) * dequant.scale : a[c];
    }
    // the legitimate cost: the board's accuracy on the 10,000 MNIST test images against the model's own
    const test = loadMnist('test');
    let base = 0;
    let board = 0;
    for (let i = 0; i < test.count; i++) {
      const q = Int8Array.from(
        quantizeAffine(
          test.images.subarray(i * 784, (i + 1) * 784),
          input.quantization!.scale[0],
          input.quantization!.zeroPoint[0],
        ),
      );
      const [o] = oracle.run([{ data: Int32Array.from(q), shape: input.shape, dtype: 'int8' }]);
      const plain = Array.from(o.data);
      const a = Array.from(offsetAnswer(key, pkg.scoreOffsets, q, plain, output.dtype === 'int8' ? 'int8' : 'float32'));
      if (plain.indexOf(Math.max(...plain)) === test.labels[i]) base++;
      if (a.indexOf(Math.max(...a)) === test.labels[i]) board++;
    }
    console.log(
      `MNIST test accuracy: the model ${(base / 100).toFixed(2)}%, the board's answers ${(board / 100).toFixed(2)}%`,
    );
    writeNpy(`${out}/x.npy`, makeTensor('float32', [n, 1, 28, 28], x));
    writeNpy(`${out}/scores.npy`, makeTensor('float32', [n, classes], scores));
    const uids = [
      pkg.deviceUid,
      ...Array.from({ length: decoys }, (_, i) => Buffer.alloc(16, 0xa0 + i).toString('hex')),
    ];
    fs.writeFileSync(`${out}/devices.txt`, uids.join('\n') + '\n');
  } finally {
    key.fill(0);
    oracle.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
