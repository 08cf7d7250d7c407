/**
 * The contract every trainable layer meets. Layers work on a batch of samples stored one after
 * another (NCHW per sample) in Float32Arrays they own: the array a layer returns stays valid
 * until its next forward/backward call.
 */
import { Rng } from './rng';

/** A trainable tensor with its gradient (same length), accumulated by backward(). */
export interface Param {
  /** Role inside the layer ('weight', 'bias'). */
  role: string;
  shape: number[];
  value: Float32Array;
  grad: Float32Array;
}

export interface Layer {
  /** Layer kind, the key of the export table (src/train/export-ir.ts). */
  readonly kind: string;
  name: string;
  /** Fixes the per-sample input shape and initialises parameters; returns the per-sample output shape. */
  setup(inShape: number[], rng: Rng): number[];
  readonly inShape: number[];
  readonly outShape: number[];
  forward(x: Float32Array, batch: number, training: boolean): Float32Array;
  /** Adds parameter gradients; returns dL/dx (or null when needDx is false). */
  backward(dy: Float32Array, batch: number, needDx: boolean): Float32Array | null;
  readonly params: Param[];
}

export function makeParam(role: string, shape: number[], value: Float32Array): Param {
  return { role, shape, value, grad: new Float32Array(value.length) };
}

/** Returns `buf` if it holds at least n floats, else a new array of n floats. */
export function ensure(buf: Float32Array | undefined, n: number): Float32Array {
  return buf && buf.length >= n ? buf : new Float32Array(n);
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
