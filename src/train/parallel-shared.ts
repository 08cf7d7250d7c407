/** Shared-memory layout between the data-parallel trainer and its worker threads. */
import { LayerSpec } from './layers';

/** Indices into the control Int32Array. */
export const CTRL = {
  /** Bumped by the main thread to start a step (or to stop). */
  generation: 0,
  /** Workers that finished the current step. */
  done: 1,
  start: 2,
  count: 3,
  stop: 4,
  size: 8,
} as const;

export interface WorkerSetup {
  /** Participant index (the main thread is 0). */
  index: number;
  participants: number;
  inputShape: number[];
  specs: LayerSpec[];
  /** Per-sample input size and sample count of the shared data. */
  inSize: number;
  count: number;
  maxShard: number;
  ctrl: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  x: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  order: SharedArrayBuffer;
}

/** [offset, length] of participant `w`'s share of n samples (sizes differ by at most one). */
export function shard(n: number, participants: number, w: number): [number, number] {
  const base = Math.floor(n / participants);
  const extra = n % participants;
  const len = base + (w < extra ? 1 : 0);
  const off = w * base + Math.min(w, extra);
  return [off, len];
}
