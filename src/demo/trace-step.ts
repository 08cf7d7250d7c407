/**
 * The main job's trace step: board B is asked, black-box over its serial port as one would ask a competitor's device
 * running a copy, which board its model came from — `edgelock trace --port` on the demo's factory log: the ±1 trace
 * code from its scores on natural inputs, and the trigger units from its decisions on stamped ones.
 */
import { withDevice } from '../device/client';
import { FactoryDb } from '../factory/db';
import { traceCandidates } from '../factory/trace-log';
import { naturalInputs } from '../trace/natural-inputs';
import { TRACE_READ_DEFAULTS } from '../trace/params';
import { TraceResult, traceLeak } from '../trace/trace';
import { unitsRecordOfTflite } from '../trace/units/board';
import { boardVictim } from '../trace/victims';

export interface TraceStepInput {
  /** the compiled model every package was made from (sealed; the master key unseals it) */
  base: Uint8Array;
  master: Buffer;
  dbFile: string;
  port: string;
}

export async function traceBoard(c: TraceStepInput): Promise<TraceResult> {
  const db = await FactoryDb.open(c.dbFile, { mustExist: true });
  const candidates = await traceCandidates(db, c.master).finally(() => db.close());
  const code = naturalInputs(c.base, 'mnist-test', TRACE_READ_DEFAULTS.queries);
  const record = unitsRecordOfTflite(c.base);
  const unitImages = record
    ? naturalInputs(c.base, 'mnist-test', record.units.length * record.votes).probes
    : undefined;
  return withDevice(c.port, async (client) => {
    const slot = (await client.info()).package!.activeSlot!;
    const victim = await boardVictim(client, slot);
    return traceLeak({
      base: c.base,
      master: c.master,
      candidates,
      alpha: TRACE_READ_DEFAULTS.alpha,
      blackBox: { ...code, victim, hardLabels: false, ...(unitImages ? { unitImages } : {}) },
    });
  });
}
