/** The owner training's settings of trigger units (docs/security.md, "Trigger units"); the recorded parameters are
 * in src/compiler/trigger-units-record.ts, where compile reads them. */
export type { TriggerUnitsParams } from '../../compiler/trigger-units-record';

/** The owner training's settings: the measured defaults of docs/security.md, "Trigger units". */
export interface TriggerUnitsTraining {
  units: number;
  pixels: number;
  votes: number;
  epochs: number;
  /** SGD learning rate of the first epoch, halved each epoch */
  lr: number;
  /** the weight of the true labels in the natural images' loss (the rest: distillation from the base model) */
  labelWeight: number;
  /** the penultimate layer's int8 output range is widened by this factor so that a firing unit is clipped less */
  widen: number;
  /** seeds the owner training's batches */
  seed: number;
}

export const TRIGGER_UNITS_DEFAULTS: TriggerUnitsTraining = {
  units: 16,
  pixels: 48,
  votes: 20,
  epochs: 5,
  lr: 0.005,
  labelWeight: 1,
  widen: 1.5,
  seed: 77,
};
