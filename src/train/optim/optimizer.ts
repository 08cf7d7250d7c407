import { Param } from '../layer';

/** Updates parameters from their accumulated gradients (the caller zeroes the gradients). */
export interface Optimizer {
  readonly kind: string;
  /** Learning rate; schedules may change it between steps. */
  lr: number;
  step(params: Param[]): void;
}
