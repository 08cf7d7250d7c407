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
  /** where the units come from: a detector path added beside the model ('path', widen.ts), or the penultimate
   * layer's least-used units set aside ('least-used') */
  room: 'path' | 'least-used';
  /** seeds the owner training's batches */
  seed: number;
}

/** the measured range widening of each room (docs/security.md, "Trigger units"): a detector path's units fire well
 * past the natural range (2.5×; 3× and 4× name more colluders but make a LeNet copy's fine-tuning unstable); set-aside
 * units were measured at 1.5× */
export const WIDEN_BY_ROOM = { path: 2.5, 'least-used': 1.5 } as const;

export const TRIGGER_UNITS_DEFAULTS: TriggerUnitsTraining = {
  units: 16,
  pixels: 48,
  votes: 20,
  epochs: 5,
  lr: 0.005,
  labelWeight: 1,
  widen: WIDEN_BY_ROOM.path,
  room: 'path',
  seed: 77,
};
