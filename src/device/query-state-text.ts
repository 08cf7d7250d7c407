/** The text lines `edgelock device info` prints for INFO's QUERY_STATE (the active package's query limits and usage). */
import { DeviceInfo, QueryState } from './client';

const of = (used: number | null, limit: number) =>
  `${used === null ? 'unreadable' : used}${limit ? ` of ${limit}` : ' (no limit)'}`;

export function queryStateLines(q: QueryState, pkg: DeviceInfo['package']): string[] {
  return [...limitLines(q, pkg), markLine(q)];
}

/** Whether the active package marks a keyed fraction of the answers (its rate: `edgelock inspect <package>`). */
function markLine(q: QueryState): string {
  return q.responseMark
    ? 'response mark     on (the active package answers a keyed fraction of queries with a keyed class; docs/watermark.md)'
    : 'response mark     off';
}

function limitLines(q: QueryState, pkg: DeviceInfo['package']): string[] {
  const l = q.limits;
  if (!l) return ['query limits      none (the active package carries no query limits)'];
  const limits = [
    l.lifetime ? `lifetime ${l.lifetime}` : '',
    l.perBoot ? `per boot ${l.perBoot}` : '',
    l.rateCount ? `rate ${l.rateCount} per ${l.rateWindowMs} ms` : '',
  ].filter(Boolean);
  const counter = pkg ? ` (security counter ${pkg.securityCounter})` : '';
  const usage = [
    `lifetime ${of(q.lifetimeUsed, l.lifetime)}${counter}`,
    `this boot ${of(q.bootUsed, l.perBoot)}`,
    ...(l.rateCount
      ? [
          q.windowLeftMs > 0
            ? `current window ${q.windowUsed} of ${l.rateCount} (${q.windowLeftMs} ms left)`
            : 'no rate window open',
        ]
      : []),
  ];
  return [`query limits      ${limits.join(', ')}`, `inferences        ${usage.join(', ')}`];
}
