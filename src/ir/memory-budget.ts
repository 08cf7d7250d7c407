/**
 * A memory budget for the constants edgelock computes itself (constant evaluation during shape inference, the
 * constant-folding pass). Every evaluation is charged with the bytes of its results *before* it runs (predicted
 * from the inferred shapes) and refused once the total would pass the budget, with an error naming the node: a
 * 1.7 KB file of chained `Expand`s cannot ask for gigabytes. One budget covers one graph analysis or one pass run.
 */
import { EdgelockError } from '../errors';
import { DType, Dim } from './types';
import { DTYPE_BYTES } from './tensor';

/** 256 MiB: two orders of magnitude above the largest microcontroller model's constants. */
export const CONSTANT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

/** Bytes of a tensor of this type and shape, or undefined while a dimension is unknown. */
export function tensorBytes(dtype: DType, shape: readonly Dim[] | null): number | undefined {
  if (!shape) return undefined;
  let n = DTYPE_BYTES[dtype];
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export class MemoryBudget {
  private used = 0;

  constructor(readonly limitBytes: number = CONSTANT_MEMORY_BUDGET_BYTES) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Charges `bytes` for the results of `node`, or throws E_MODEL_TOO_LARGE naming it. */
  charge(bytes: number, node: { name: string; opType: string }, what = 'evaluating'): void {
    if (!(this.used + bytes <= this.limitBytes)) {
      throw new EdgelockError(
        'E_MODEL_TOO_LARGE',
        `${what} node '${node.name}' (${node.opType}) would hold ${bytes} bytes of constants, ${this.used} ` +
          `already held: more than the ${this.limitBytes}-byte budget`,
        { node: node.name, op: node.opType },
      );
    }
    this.used += bytes;
  }
}
