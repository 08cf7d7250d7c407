/** The zoo: every model builder, in build order (a table; adding a model is one line). */
import { cifarResnet8 } from './cifar-resnet8';
import { kwsDscnn } from './kws-dscnn';
import { mnistLenet } from './mnist-lenet';
import { mnistMlp } from './mnist-mlp';
import { ZooBuilder } from './zoo-model';

export const ZOO_BUILDERS: ZooBuilder[] = [mnistMlp, mnistLenet, kwsDscnn, cifarResnet8];
