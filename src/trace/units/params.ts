/**
 * The public parameters of trigger units (docs/security.md, "Trigger units"): which hidden units carry a board's
 * classes, how many input values a stamp sets, how many stamped probes vote for each unit's class. Recorded with the
 * owner model; the stamps' positions and each board's classes are keyed draws and are not recorded.
 */
export interface TriggerUnitsParams {
  scheme: 'edgelock-tu1';
  /** the units of the penultimate dense layer set aside, in stamp order (unit k answers stamp k) */
  units: number[];
  /** input values a stamp sets to 1 */
  pixels: number;
  /** stamped probes per unit, on different natural images */
  votes: number;
}

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
  votes: 5,
  epochs: 3,
  lr: 0.005,
  labelWeight: 1,
  widen: 1.5,
  seed: 77,
};
