/** `edgelock factory report`: the factory database's log as a table, with per-outcome counts and unfinished attempts. */
import { formatTable } from '../text/table';
import { FactoryEvent, OUTCOMES } from './db';

/**
 * Attempts (a key write begun) with no result row for the same run and port after them: the station
 * stopped mid-write, so the board's key store state is unknown and it should be provisioned again
 * (which reports "unchanged" if the write went through).
 */
export function unfinishedAttempts(events: readonly FactoryEvent[]): FactoryEvent[] {
  const open = new Map<string, FactoryEvent>();
  for (const e of events) {
    const k = `${e.runId}\0${e.port}`;
    if (e.outcome === 'attempt') open.set(k, e);
    else open.delete(k);
  }
  return [...open.values()];
}

export function countByOutcome(events: readonly FactoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of OUTCOMES) counts[o] = 0;
  for (const e of events) counts[e.outcome] += 1;
  return counts;
}

export function formatReport(events: readonly FactoryEvent[]): string {
  if (events.length === 0) return 'no events recorded\n';
  const rows = events.map((e) => [e.time, e.station, e.command, e.port, e.uid ?? '-', e.keyId ?? '-', e.firmwareVersion ?? '-', e.outcome, e.errorCode ?? '']);
  const counts = countByOutcome(events);
  const lines = [
    formatTable(['time', 'station', 'command', 'port', 'unique id', 'device key id', 'firmware', 'outcome', 'error'], rows),
    '',
    `${events.length} event${events.length === 1 ? '' : 's'}: ${Object.entries(counts).filter(([, n]) => n > 0).map(([o, n]) => `${n} ${o}`).join(', ')}`,
  ];
  for (const a of unfinishedAttempts(events)) {
    lines.push(`unfinished attempt ${a.id} at ${a.time} on ${a.port} (uid ${a.uid ?? '?'}): no result was recorded; provision the board again to check it`);
  }
  return lines.join('\n') + '\n';
}
