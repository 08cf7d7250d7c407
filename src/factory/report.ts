/** `edgelock factory report`: the factory database's log as a table, with per-outcome counts and unfinished attempts. */
import { formatTable } from '../text/table';
import { FactoryEvent, OUTCOMES } from './db';

/** Outcomes that prove what a board's key store holds: a later one for the same board settles an open attempt. */
const SETTLING: ReadonlySet<string> = new Set(['written', 'unchanged', 'refused-conflict']);

/**
 * Attempts (a key write begun) with no result after them: the station stopped mid-write, so the board's key
 * store state is unknown and it should be provisioned again (which reports "unchanged" if the write went
 * through). An attempt is settled by a result row of the same run and port, or by any later key check of the
 * same board (its unique id: a re-check is a new run, often on another port) that read its key store.
 */
export function unfinishedAttempts(events: readonly FactoryEvent[]): FactoryEvent[] {
  const open = new Map<string, FactoryEvent>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.outcome === 'attempt') {
      open.set(e.id, e);
      continue;
    }
    for (const [id, a] of open) {
      const sameWrite = a.runId === e.runId && a.port === e.port;
      const recheck = a.uid !== null && a.uid !== undefined && a.uid === e.uid && SETTLING.has(e.outcome);
      if (sameWrite || recheck) open.delete(id);
    }
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
  const rows = events.map((e) => [
    e.time,
    e.station,
    e.command,
    e.port,
    e.uid ?? '-',
    e.keyId ?? '-',
    e.firmwareVersion ?? '-',
    e.outcome,
    e.errorCode ?? '',
  ]);
  const counts = countByOutcome(events);
  const lines = [
    formatTable(
      ['time', 'station', 'command', 'port', 'unique id', 'device key id', 'firmware', 'outcome', 'error'],
      rows,
    ),
    '',
    `${events.length} event${events.length === 1 ? '' : 's'}: ${Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([o, n]) => `${n} ${o}`)
      .join(', ')}`,
  ];
  for (const a of unfinishedAttempts(events)) {
    lines.push(
      `unfinished attempt ${a.id} at ${a.time} on ${a.port} (uid ${a.uid ?? '?'}): no result was recorded; provision the board again to check it`,
    );
  }
  return lines.join('\n') + '\n';
}
