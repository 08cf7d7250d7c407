/**
 * The report's plots: one Vega-Lite specification per chart, built from the report's data and
 * rendered to inline SVG at report time by Vega's headless view (no browser, no network, no script in
 * the page). A chart with no data is not drawn.
 */
import { ReportData } from './report-data';

// vega and vega-lite ship CommonJS builds for Node; typed loosely here to keep their types out of the API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vega = require('vega') as {
  View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
  parse(spec: unknown): unknown;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vl = require('vega-lite') as { compile(spec: unknown): { spec: unknown } };

export interface ChartSpec {
  id: string;
  title: string;
  /** what the chart shows, in a sentence (the figure caption) */
  caption: string;
  /** number of data points drawn */
  points: number;
  spec: Record<string, unknown>;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const WIDTH = 520;
const pct = (x: number) => Math.round(x * 10000) / 100;

function accuracyChart(d: ReportData): ChartSpec | null {
  const a = d.evidence.accuracy;
  if (!a) return null;
  const rows = [
    ...(a.source !== undefined ? [{ model: 'float source (ONNX)', accuracy: pct(a.source) }] : []),
    ...(a.withKey !== undefined
      ? [{ model: d.artefact.lock ? 'this artefact, with the key' : 'this artefact', accuracy: pct(a.withKey) }]
      : []),
    ...(a.withoutKey !== undefined ? [{ model: 'this artefact, without the key', accuracy: pct(a.withoutKey) }] : []),
  ];
  if (!rows.length) return null;
  return {
    id: 'accuracy',
    title: 'Accuracy',
    caption:
      `Top-1 accuracy on ${a.samples} labelled samples: the float source, the shipped model as a key ` +
      `holder runs it, and as a thief without the key runs it.`,
    points: rows.length,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 30 * rows.length + 20,
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'model', type: 'nominal', sort: null, title: null },
        x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 100] }, title: 'accuracy (%)' },
        color: { field: 'model', type: 'nominal', legend: null },
      },
    },
  };
}

const ATTACK_TITLES: Record<string, string> = {
  pruning: 'magnitude pruning (fraction of weights)',
  'fine-tuning': 'fine-tuning on 10% of the data (epochs)',
  extraction: 'extraction by distillation (queries)',
};

function watermarkCharts(d: ReportData): ChartSpec[] {
  const w = d.evidence.watermark;
  if (!w || !w.curves.length) return [];
  const rows = w.curves.map((c) => ({
    attack: ATTACK_TITLES[c.attack],
    x: c.x,
    accuracy: pct(c.accuracy),
    matches: c.matches,
    triggers: c.triggers,
    // -log10 p, capped where the binomial tail underflows a double
    evidence: c.pValue > 0 ? Math.min(300, -Math.log10(c.pValue)) : 300,
  }));
  const threshold = -Math.log10(w.alpha);
  const facet = (field: string, title: string, extra: Record<string, unknown>[] = []) => ({
    $schema: SCHEMA,
    data: { values: rows },
    facet: { column: { field: 'attack', type: 'nominal', title: null, sort: Object.values(ATTACK_TITLES) } },
    spec: {
      width: 200,
      height: 180,
      layer: [
        {
          mark: { type: 'line', point: true, tooltip: true },
          encoding: { x: { field: 'x', type: 'quantitative', title: null }, y: { field, type: 'quantitative', title } },
        },
        ...extra,
      ],
    },
    resolve: { scale: { x: 'independent' } },
  });
  return [
    {
      id: 'watermark-removal',
      title: 'Watermark evidence under removal and extraction',
      caption:
        `Owner-watermark evidence (−log10 p-value of the trigger matches against the null ` +
        `rate ${w.nullRate.toPrecision(3)}) after each attack; the dashed line is the decision threshold α ` +
        `= ${w.alpha}. Above it, ownership is proven.`,
      points: rows.length,
      spec: facet('evidence', '−log10 p-value', [
        { mark: { type: 'rule', strokeDash: [4, 4], color: 'firebrick' }, encoding: { y: { datum: threshold } } },
      ]),
    },
    {
      id: 'watermark-accuracy',
      title: 'Accuracy of the attacked copies',
      caption:
        'Test accuracy of the model after each removal attack and of the extracted copies: what the attacker keeps.',
      points: rows.length,
      spec: facet('accuracy', 'accuracy (%)'),
    },
  ];
}

function lockAttackChart(d: ReportData): ChartSpec | null {
  const r = d.evidence.lockAttacks;
  if (!r) return null;
  const rows = r.rows.map((x) => ({
    attack: x.title,
    accuracy: pct(x.accuracy),
    yardstick: x.attack === 'from-scratch' ? 'from scratch (yardstick)' : 'attack on the locked model',
  }));
  return {
    id: 'lock-attacks',
    title: 'Attacks on the lock',
    caption:
      `Accuracy each attack gets from the locked model without the key, with ${r.trainSamples} labelled ` +
      `samples (${r.fraction * 100}% of the training data), against training the same architecture from ` +
      `scratch on the same data.`,
    points: rows.length,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 28 * rows.length + 20,
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'attack', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
        x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 100] }, title: 'accuracy (%)' },
        color: { field: 'yardstick', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
    },
  };
}

function sizeChart(d: ReportData): ChartSpec | null {
  const a = d.artefact;
  const rows = [
    { part: 'weights and biases', bytes: a.weightBytes, where: 'flash' },
    { part: 'graph, metadata, lock descriptor', bytes: Math.max(0, a.modelBytes - a.weightBytes), where: 'flash' },
    ...(a.package
      ? [{ part: 'package records and tag', bytes: Math.max(0, a.package.bytes - a.modelBytes), where: 'flash' }]
      : []),
    ...(a.arenaBytes !== undefined ? [{ part: 'tensor arena (estimate)', bytes: a.arenaBytes, where: 'RAM' }] : []),
    ...(a.lock && a.modelFormat === 'tflite'
      ? [{ part: 'unsealed weights (lock RAM)', bytes: a.lock.lockedBytes, where: 'RAM' }]
      : []),
  ];
  return {
    id: 'size',
    title: 'Size on the device',
    caption:
      'Flash taken by the artefact and RAM its model needs on the board (tensor arena; with a lock, the unsealed weights kept in RAM).',
    points: rows.length,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 90,
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'where', type: 'nominal', title: null },
        x: { field: 'bytes', type: 'quantitative', title: 'bytes', stack: 'zero' },
        color: { field: 'part', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } },
      },
    },
  };
}

function boardChart(d: ReportData): ChartSpec | null {
  const rows = (d.evidence.boards ?? [])
    .filter((b) => b.counterPerInference !== null)
    .map((b) => ({ board: `${b.board} ${b.uid.slice(0, 8)}`, value: b.counterPerInference!, unit: b.counterUnit }));
  if (!rows.length) return null;
  const unit = rows.every((r) => r.unit === 'instructions')
    ? 'instructions per inference'
    : 'counter per inference (QEMU: instructions, host-sim: ns)';
  return {
    id: 'boards',
    title: 'On-device cost',
    caption: `Work of one inference on each board, median over the samples run (${unit}).`,
    points: rows.length,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 30 * rows.length + 20,
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'board', type: 'nominal', title: null },
        x: { field: 'value', type: 'quantitative', title: unit },
      },
    },
  };
}

/** Every chart the report's data supports, in the order the page shows them. */
export function chartSpecs(d: ReportData): ChartSpec[] {
  return [accuracyChart(d), ...watermarkCharts(d), lockAttackChart(d), sizeChart(d), boardChart(d)].filter(
    (c): c is ChartSpec => c !== null && c.points > 0,
  );
}

/** Renders a Vega-Lite specification to a standalone SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const view = new vega.View(
    vega.parse(vl.compile({ ...spec, config: { font: 'Helvetica, Arial, sans-serif' } }).spec),
    { renderer: 'none' },
  );
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
