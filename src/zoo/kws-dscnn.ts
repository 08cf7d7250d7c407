/**
 * DS-CNN keyword-spotting shape (MLPerf Tiny KWS): input [1,1,49,10] (49 frames × 10 MFCC),
 * Conv 64@10x4 stride 2 SAME + BN + Relu, 4 × (depthwise 3x3 + BN + Relu + pointwise 1x1 + BN +
 * Relu), GlobalAveragePool, Flatten, Gemm 12. BN nodes stay in the graph. Seeded He-normal
 * initial weights, then trained with PyTorch (src/zoo/train-torch.ts) on the synthetic-kws task
 * (src/zoo/synthetic-task.ts); accuracy is measured by onnxruntime on the held-back test split.
 */
import { Rng } from '../train/rng';
import { GraphBuilder, samePads } from './graph-builder';
import { batchNorm, conv, dense } from './layer-helpers';
import { trainSyntheticEntry } from './train-torch';
import { ZooBuilder } from './zoo-model';

const SEED = 3003;
const FILTERS = 64;
const TRAIN_COUNT = 6000;
const EPOCHS = 8;
const TEST_COUNT = 2000;

export const kwsDscnn: ZooBuilder = {
  name: 'kws-dscnn',
  description:
    'DS-CNN keyword-spotting shape, input [1,1,49,10] MFCC-like, output logits [1,12]; trained on the synthetic-kws task',
  seed: SEED,
  async build(ctx) {
    const rng = new Rng(SEED);
    const b = new GraphBuilder();
    let x = b.input('input', [1, 1, 49, 10]);
    const [pt, pb] = samePads(49, 10, 2);
    const [pl, pr] = samePads(10, 4, 2);
    x = conv(b, rng, 'conv1', x, {
      cin: 1,
      cout: FILTERS,
      kernel: [10, 4],
      strides: [2, 2],
      pads: [pt, pl, pb, pr],
      bias: true,
    });
    x = batchNorm(b, rng, 'bn1', x, FILTERS);
    x = b.node('Relu', [x], {}, undefined, 'relu1');
    for (let i = 1; i <= 4; i++) {
      x = conv(b, rng, `dw${i}`, x, {
        cin: FILTERS,
        cout: FILTERS,
        kernel: [3, 3],
        pads: [1, 1, 1, 1],
        group: FILTERS,
        bias: false,
      });
      x = batchNorm(b, rng, `dw${i}_bn`, x, FILTERS);
      x = b.node('Relu', [x], {}, undefined, `dw${i}_relu`);
      x = conv(b, rng, `pw${i}`, x, { cin: FILTERS, cout: FILTERS, kernel: [1, 1], bias: false });
      x = batchNorm(b, rng, `pw${i}_bn`, x, FILTERS);
      x = b.node('Relu', [x], {}, undefined, `pw${i}_relu`);
    }
    x = b.node('GlobalAveragePool', [x], {}, undefined, 'gap');
    x = b.node('Flatten', [x], { axis: 1 }, undefined, 'flatten');
    dense(b, rng, 'fc', x, FILTERS, 12);
    b.nodes[b.nodes.length - 1].outputs[0] = 'logits';
    b.output('logits', [1, 12]);
    const model = b.toModel('kws_dscnn', this.description, {
      'edgelock.zoo': this.name,
      'edgelock.trainedOn': 'synthetic-kws',
    });

    return trainSyntheticEntry(
      model,
      this.name,
      this.description,
      { task: 'synthetic-kws', seed: SEED, trainCount: TRAIN_COUNT, epochs: EPOCHS, testCount: TEST_COUNT },
      ctx,
    );
  },
};
