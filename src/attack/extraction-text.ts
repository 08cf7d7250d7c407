/** The text form of an extraction report (`edgelock attack --only distill` without --json). */
import { formatTable } from '../text/table';
import { ExtractionReport } from './extraction';
import { OwnershipVerdict } from './ownership';

const pct = (a: number) => `${(a * 100).toFixed(2)}%`;

function pText(v: OwnershipVerdict): string {
  if (v.pValue === undefined) return '';
  if (v.pValue > 0) return `p = ${v.pValue < 1e-3 ? v.pValue.toExponential(2) : v.pValue.toPrecision(3)}`;
  return `p = 10^${(v.log10PValue ?? -Infinity).toFixed(1)}`;
}

export function verdictText(v: OwnershipVerdict): string {
  if (v.status === 'skipped') return `skipped (${v.reason})`;
  return [v.status, v.evidence, pText(v)].filter(Boolean).join(', ');
}

export function formatExtractionReport(r: ExtractionReport): string {
  const a = r.attacker;
  const lock = r.victim.lock
    ? ` (locked, ${r.victim.lock.scheme}; ${r.victim.lock.unlocked ? 'unlocked with the key' : 'queried as stored, without the key'})`
    : '';
  const excluded = [
    a.excluded.calibration ? `${a.excluded.calibration} calibration` : '',
    a.excluded.triggers ? `${a.excluded.triggers} trigger base` : '',
  ].filter(Boolean);
  const va = r.victim.accuracy;
  const gap = va === null ? null : (r.copy.accuracy - va) * 100;
  const refused = 'not measured: the victim refuses queries';
  const shifted = a.shift ? ` on images shifted by up to ${a.shift} pixels` : '';
  return [
    `extraction by distillation from ${r.victim.name}${lock}`,
    `attacker: ${a.architecture} (${a.params} parameters), ${a.labels} labels${a.temperature !== undefined ? ` at T = ${a.temperature}` : ''}, ` +
      `${a.queries} queries${a.queries < a.queriesRequested ? ` (of ${a.queriesRequested} asked: the pool holds ${a.poolSize})` : ''} ` +
      `from a pool of ${a.poolSize}${excluded.length ? ` (without ${excluded.join(' and ')} samples)` : ''}, ` +
      `${a.epochs} epochs${shifted}, lr ${a.lr}, seed ${a.seed}`,
    '',
    formatTable(
      ['measure', 'value'],
      [
        ['queries used', a.queries],
        ['queries answered', a.refusal ? `${a.answered}, then refused (${a.refusal})` : a.answered],
        [`victim test accuracy (${r.testSamples} samples)`, va === null ? refused : pct(va)],
        ['copy test accuracy', pct(r.copy.accuracy)],
        ['copy − victim', gap === null ? refused : `${gap >= 0 ? '+' : ''}${gap.toFixed(2)} points`],
        ['agreement copy ↔ victim (test)', r.copy.agreement === null ? refused : pct(r.copy.agreement)],
        [
          'victim right on the queries',
          r.victimQueryAccuracy === null ? 'unknown (unlabelled)' : pct(r.victimQueryAccuracy),
        ],
        ['time: queries / training', `${r.seconds.queries.toFixed(1)} s / ${r.seconds.training.toFixed(1)} s`],
      ],
    ),
    '',
    formatTable(
      ['ownership check', 'on the victim', 'on the copy'],
      r.ownership.map((o) => [o.title, verdictText(o.victim), verdictText(o.copy)]),
    ),
  ].join('\n');
}
