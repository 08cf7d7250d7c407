/**
 * Renders a report to one self-contained HTML page: inline CSS, plots as inline SVG rendered at
 * report time (./charts.ts), no script, no network access. Every string from the artefact or the
 * command line is escaped.
 */
import { ChartSpec, chartSpecs, renderSvg } from './charts';
import { PROTECTIONS } from './protections';
import { ProtectionEntry, ReportData } from './report-data';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
const e = (s: string | number) => escapeHtml(String(s));

const ASPECT_TITLES: [keyof ProtectionEntry['aspects'], string][] = [
  ['scenario', 'application scenario'],
  ['method', 'method'],
  ['size', 'size of the protected object'],
  ['category', 'category'],
  ['function', 'function'],
  ['targets', 'target models'],
];

const CSS = `
body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.applied{color:#186a3b;font-weight:bold}.absent{color:#888}
.protection{border:1px solid #ddd;border-radius:6px;padding:.2em 1em 1em;margin:1em 0}
.protection.absent-box{background:#fafafa}.cols{display:flex;gap:2em}.cols>div{flex:1}
figure{margin:1.2em 0}figcaption{font-size:.9em;color:#555;max-width:900px}
code{background:#f4f4f4;padding:0 .2em}.muted{color:#666;font-size:.9em}
`;

/** One table row of cells that are already markup (escaped where they come from outside). */
function tr(tag: 'th' | 'td', cells: (string | number)[]): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

const yesNo = (v: boolean | undefined): string => (v === undefined ? '-' : v ? 'yes' : 'NO');

function kv(rows: [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>`;
}

function list(items: string[], empty: string): string {
  return items.length
    ? `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`
    : `<p class="muted">${e(empty)}</p>`;
}

function protectionSection(p: ProtectionEntry): string {
  return `<section class="protection${p.applied ? '' : ' absent-box'}" id="protection-${p.id}" data-protection="${p.id}" data-applied="${p.applied}">
<h3>${e(p.title)} — <span class="${p.applied ? 'applied' : 'absent'}">${p.applied ? 'applied' : 'not applied'}</span></h3>
<table class="aspects">${ASPECT_TITLES.map(([k, t]) => `<tr><th>${e(t)}</th><td>${e(p.aspects[k])}</td></tr>`).join('')}</table>
${p.details.length ? `<h4>On this artefact</h4>${kv(p.details)}` : ''}
<div class="cols"><div><h4>Stops</h4>${list(p.stops, 'nothing (not applied)')}</div><div><h4>Does not stop</h4>${list(p.doesNotStop, '-')}</div></div>
<h4>Measured evidence</h4>${list(p.evidence, p.applied ? 'no measurement made for this protection (see "Not measured")' : 'not applicable')}
<p class="muted">Details: ${e(p.docs)}</p>
</section>`;
}

async function figure(c: ChartSpec): Promise<string> {
  const svg = await renderSvg(c.spec);
  return (
    `<figure id="chart-${c.id}" data-chart="${c.id}" ` +
    `data-points="${c.points}"><h3>${e(c.title)}</h3>${svg}<figcaption>${e(c.caption)}</figcaption></figure>`
  );
}

function overview(d: ReportData): string {
  const a = d.artefact;
  const rows: [string, string][] = [
    ['file', a.file],
    ['format', a.format === 'elp' ? `edgelock package (model: ${a.modelFormat})` : a.format],
    ['size', `${a.bytes} bytes${a.format === 'elp' ? ` (model ${a.modelBytes} bytes)` : ''}`],
    ['sha256', a.sha256],
    ['parameters', `${a.params} (${a.weightBytes} bytes)`],
    [
      'operators',
      Object.entries(a.ops)
        .map(([k, v]) => `${k}×${v}`)
        .join(', '),
    ],
    ['input shape', `[${a.inputShape.join(', ')}]`],
  ];
  if (a.macs !== undefined) rows.push(['MACs per inference', String(a.macs)]);
  if (a.arenaBytes !== undefined) rows.push(['tensor arena (estimate)', `${a.arenaBytes} bytes`]);
  return kv(rows);
}

function summaryTable(d: ReportData): string {
  const rows = d.protections.map(
    (p) =>
      `<tr><td><a href="#protection-${p.id}">${e(p.title)}</a></td>` +
      `<td class="${p.applied ? 'applied' : 'absent'}">${p.applied ? 'applied' : 'not applied'}</td>` +
      `<td>${e(PROTECTIONS[p.id].aspects.function)}</td><td>${e(p.evidence[0] ?? '-')}</td></tr>`,
  );
  return `<table id="summary">${tr('th', ['protection', 'status', 'function', 'evidence'])}${rows.join('')}</table>`;
}

function attackTable(d: ReportData): string {
  const r = d.evidence.lockAttacks;
  if (!r) return '';
  const head = tr('th', ['attack', 'accuracy', 'samples', 'forward passes', 'seconds']);
  const rows = r.rows.map((x) =>
    tr('td', [e(x.title), `${(100 * x.accuracy).toFixed(2)}%`, x.samplesUsed, x.forwardPasses, x.seconds.toFixed(1)]),
  );
  return `<table id="lock-attack-table">${head}${rows.join('')}</table>`;
}

function boardTable(d: ReportData): string {
  const b = d.evidence.boards;
  if (!b?.length) return '';
  const head = tr('th', [
    'port',
    'board',
    'uid',
    'genuine device',
    'runs this artefact',
    'correct',
    'per inference',
    'per MAC',
  ]);
  const rows = b.map((x) =>
    tr('td', [
      e(x.port),
      e(x.board),
      e(x.uid),
      yesNo(x.genuineDevice),
      yesNo(x.runsArtefact),
      x.runs ? `${x.correct}/${x.runs}` : '-',
      x.counterPerInference === null ? '-' : `${x.counterPerInference} ${x.counterUnit}`,
      x.counterPerInference !== null && x.macs ? (x.counterPerInference / x.macs).toFixed(2) : '-',
    ]),
  );
  const errors = b
    .filter((x) => x.error)
    .map((x) => `${x.port}: ${x.error}`)
    .join('; ');
  return `<table id="board-table">${head}${rows.join('')}${errors ? `<tr><td colspan="8">${e(errors)}</td></tr>` : ''}</table>`;
}

export async function renderReportHtml(d: ReportData): Promise<string> {
  const charts = chartSpecs(d);
  const figures: string[] = [];
  for (const c of charts) figures.push(await figure(c));
  const title = `edgelock report — ${d.artefact.file.replace(/^.*\//, '')}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<p class="muted">Generated ${e(d.generated)} by edgelock ${e(d.edgelock)}. What protects this artefact, what each
protection stops and does not stop, and the evidence measured on this very artefact.</p>
<section id="artefact"><h2>Artefact</h2>${overview(d)}</section>
<section id="summary-section"><h2>Protections at a glance</h2>${summaryTable(d)}</section>
<section id="protections"><h2>Protections</h2>${d.protections.map(protectionSection).join('\n')}</section>
<section id="evidence"><h2>Evidence</h2>${figures.join('\n')}${attackTable(d)}${boardTable(d)}</section>
<section id="not-measured"><h2>Not measured</h2>${list(d.notMeasured, 'everything the report can measure was measured')}</section>
<section id="inputs"><h2>Inputs</h2>${kv(Object.entries(d.inputs))}</section>
</body></html>
`;
}
