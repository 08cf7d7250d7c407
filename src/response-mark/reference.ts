/**
 * The reference set a board's mark is calibrated on (`package --mark-reference`, docs/watermark.md, "Response mark"),
 * and scheme 2's margin gate drawn from it (`--mark-gate <fraction>`): the gate is the base model's top-two margin
 * below which that fraction of the reference inputs fall, so a gated board marks only answers the base model is least
 * sure of. The owner recomputes both from the base model and the same reference, so `response-mark verify --base`
 * needs no package.
 */
import { EdgelockError } from '../errors';
import { RATE_ONE, ResponseMarkParams } from '../package/response-mark';
import { Calibration, calibrateRate } from './calibrate';
import { loadMarkPool, poolCodes } from './pool';

export interface MarkReference {
  /** the reference datasets, comma-joined */
  data: string;
  /** reference inputs in all */
  total: number;
  /** the codes of the inputs a board may mark: all, or those under the gate */
  codes: Buffer[];
  /** scheme 2's gate (output units), when one was asked for */
  gate?: number;
  gateFraction?: number;
}

export async function loadMarkReference(
  base: Uint8Array,
  names: string[],
  params: Pick<ResponseMarkParams, 'groups' | 'levels'>,
  gateFraction?: number,
): Promise<MarkReference> {
  const data = names.join(',');
  if (gateFraction === undefined) {
    const codes = poolCodes(base, names, params);
    return { data, total: codes.length, codes };
  }
  if (!(gateFraction > 0 && gateFraction < 1))
    throw new EdgelockError('E_USAGE', `the gate fraction must be in (0, 1), got ${gateFraction}`);
  const pool = await loadMarkPool(base, names, params);
  try {
    const all = Array.from({ length: pool.count }, (_, i) => i);
    const margins = pool.baseMargin(all);
    const gate = [...margins].sort((a, b) => a - b)[Math.floor(gateFraction * margins.length)];
    if (!(gate > 0 && Number.isFinite(gate)))
      throw new EdgelockError(
        'E_USAGE',
        `--mark-gate ${gateFraction * 100}%: the base model's margin at that fraction of '${data}' is ${gate}, no gate`,
      );
    const codes = all.filter((i) => margins[i] < gate).map((i) => pool.coarse[i]);
    return { data, total: pool.count, codes, gate, gateFraction };
  } finally {
    pool.dispose();
  }
}

/**
 * One board's calibrated rate: it may mark at most floor(rate × total) reference inputs. Without a gate that is
 * calibrateRate on all of them; with one, the board decides only on the gated inputs, so its rate there starts at
 * rate × total / gated (capped at every answer) and is lowered until the same count holds.
 */
export function calibrateBoard(key: Uint8Array, ratePpm: number, ref: MarkReference): Calibration {
  const allowed = Math.floor((ratePpm * ref.total) / RATE_ONE);
  if (allowed < 1)
    throw new EdgelockError(
      'E_USAGE',
      `--mark-reference: ${ref.total} inputs are too few to calibrate a rate of ${ratePpm / 10_000}% ` +
        '(it could mark none of them)',
    );
  if (ref.gate === undefined) return calibrateRate(key, ratePpm, ref.codes);
  if (ref.codes.length === 0) throw new EdgelockError('E_USAGE', `--mark-gate: no reference input is under the gate`);
  const nominal = Math.min(RATE_ONE, Math.floor((ratePpm * ref.total) / ref.codes.length));
  return calibrateRate(key, nominal, ref.codes, allowed);
}
