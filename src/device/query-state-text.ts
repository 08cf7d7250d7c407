/** The text lines `edgelock device info` prints for INFO's QUERY_STATE (the active package's query limits and usage). */
import { DeviceInfo, QueryState } from './client';

const of = (used: number | null, limit: number) =>
  `${used === null ? 'unreadable' : used}${limit ? ` of ${limit}` : ' (no limit)'}`;

export function queryStateLines(q: QueryState, pkg: DeviceInfo['package']): string[] {
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
