/**
 * `edgelock factory export --format csv|json`: every event of the factory database (either backend) for the
 * manufacturer's systems. Columns in EVENT_FIELDS order; CSV per RFC 4180 (a header line, fields quoted when
 * they hold a comma, a quote or a line break, quotes doubled, CRLF line ends, empty for NULL).
 */
import { EVENT_FIELDS, FactoryEvent } from './db';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function eventsToCsv(events: readonly FactoryEvent[]): string {
  const lines = [EVENT_FIELDS.join(','), ...events.map((e) => EVENT_FIELDS.map((f) => csvField(e[f])).join(','))];
  return lines.join('\r\n') + '\r\n';
}

export function eventsToJson(events: readonly FactoryEvent[]): string {
  return (
    JSON.stringify(
      events.map((e) => Object.fromEntries(EVENT_FIELDS.map((f) => [f, e[f]]))),
      null,
      2,
    ) + '\n'
  );
}

export function exportEvents(events: readonly FactoryEvent[], format: ExportFormat): string {
  return format === 'csv' ? eventsToCsv(events) : eventsToJson(events);
}
