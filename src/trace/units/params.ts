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
  /** where the units come from: a detector path added beside the model and trained ('path', widen.ts), one from the
   * pixels up made with no training ('pixel-path', pixel-path.ts; CNNs), or the penultimate layer's least-used units
   * set aside ('least-used') */
  room: Room;
  /** seeds the owner training's batches */
  seed: number;
}

export type Room = 'path' | 'pixel-path' | 'least-used';

/**
 * Where a detector path's units fire, trained (train.ts) or made (pixel-path.ts): a layer before the penultimate at
 * `inner` × its natural maximum, inside the int8 range calibration gives it on natural inputs, so a firing unit is
 * not clipped; the penultimate at (widen + `overRange`) × its maximum, past the end of the range compile widens, so a
 * firing unit gives all that range has.
 */
export const PATH_LEVELS = { inner: 0.8, overRange: 0.2 } as const;

/** the measured range widening of each room (docs/security.md, "Trigger units"): a detector path's units fire well
 * past the natural range (2.5×; 3× and 4× name more colluders but make a LeNet copy's fine-tuning unstable); set-aside
 * units were measured at 1.5× */
export const WIDEN_BY_ROOM = { path: 2.5, 'pixel-path': 2.5, 'least-used': 1.5 } as const;

/** The defaults for a one-channel input (MNIST); a colour input takes COLOUR_STAMPS instead. */
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

/**
 * Stamps on a colour input (more than one channel), measured on a VGG-style RGB CNN (docs/security.md, "Trigger
 * units"): 48 white pixels on a textured image move the convolutions' features too little for the path to learn them
 * (0 of 320 stamped images fired a unit at lr 0.005, 166 at 0.015 over 10 epochs); 144 pixels at lr 0.01 fire 282.
 */
export const COLOUR_STAMPS = { pixels: 144, lr: 0.01 } as const;

/** The measured stamp size and learning rate for an input of `channels` channels. */
export function stampDefaults(channels: number): { pixels: number; lr: number } {
  return channels > 1 ? COLOUR_STAMPS : { pixels: TRIGGER_UNITS_DEFAULTS.pixels, lr: TRIGGER_UNITS_DEFAULTS.lr };
}
