/** What each zoo model builder provides and returns. */
import { Model } from '../ir/types';

export interface ZooInfo {
  name: string;
  description: string;
  /** Total initializer elements of the written ONNX model. */
  params: number;
  seed: number;
  /** How the weights were obtained. */
  howBuilt: string;
  /** Top-1 accuracy on the test set of `trainedOn` (MNIST test, or the synthetic task's held-back split), measured by onnxruntime. */
  accuracy?: number;
  trainedOn?: string;
  training?: Record<string, unknown>;
  buildSeconds: number;
}

export interface ZooBuildContext {
  log: (line: string) => void;
}

export interface ZooBuilder {
  name: string;
  description: string;
  seed: number;
  build(ctx: ZooBuildContext): Promise<{ model: Model; info: Omit<ZooInfo, 'params' | 'buildSeconds'> }>;
}
