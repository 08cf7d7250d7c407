/** kws-dscnn: int8 end to end against onnxruntime and the TFLite runtime (see zoo-harness.ts). */
import { zooInt8Suite } from './zoo-harness';

zooInt8Suite('kws-dscnn');
