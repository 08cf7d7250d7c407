/// <reference lib="dom" />
/**
 * `edgelock report` as a user sees it. The artefact is a real protected package: the watermarked zoo LeNet
 * (test/watermark/fixtures), locked with a per-model key, compiled to int8, packaged for a provisioned host-sim
 * board and flashed to it. The report is built with attacks and the board, rendered to HTML, and opened in
 * Debian's headless Chromium: every section and every plot must be there with its data points, no script error,
 * no network request; the screenshot is kept in artifacts/ (a CI artefact). The numbers in it are checked against
 * what the references say (onnxruntime, the TFLite runtime, the firmware).
 */
import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { COMMANDS } from '../../src/cli/commands';
import { loadLabelledSet, LabelledSet } from '../../src/eval/labelled-data';
import { flashPackage } from '../../src/factory/flash';
import { compileLocked } from '../../src/lock/compile-locked';
import { lockModel } from '../../src/lock/lock-model';
import { Model } from '../../src/ir/types';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { buildReport } from '../../src/report/build';
import { renderReportHtml } from '../../src/report/html';
import { ReportData } from '../../src/report/report-data';
import { ownerSignature } from '../../src/watermark/signature';
import { recordFromOnnx, withRecord } from '../../src/watermark/metadata';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { mnistInt8Options } from '../device/models';
import { master, pkg, provisionedBoard } from '../factory/flash-helpers';
import { runCommandsInProcess } from '../helpers/cli';
import { viewPage } from './chromium';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'watermark', 'fixtures');
const OWNER_KEY = createHash('sha256').update('edgelock watermark robustness demo key').digest();
const OWNER = 'acme-vision';
const dir = mkdtempSync(join(tmpdir(), 'edgelock-report-'));

let locked: Model;
let packageBytes: Buffer;
let port: string;
let testSet: LabelledSet;
let report: ReportData;
let html: string;

beforeAll(async () => {
  const wm = readOnnx(readFileSync(join(FIXTURES, 'mnist-lenet-wm.onnx')));
  locked = lockModel(wm, { master }, { binding: 'model' }).model;
  const compiled = await compileLocked(writeOnnx(locked), { master }, mnistInt8Options(200));
  const { board, client, uid } = await provisionedBoard('host-sim');
  port = board.port;
  packageBytes = pkg(compiled.bytes, uid, '1.2.3', 4);
  await flashPackage(client, packageBytes);
  await client.close();
  testSet = loadLabelledSet('mnist-test', undefined, 300);
  report = await buildReport({
    artefact: { bytes: packageBytes, file: 'lenet.elp' },
    source: { model: locked, file: 'lenet.locked.onnx' },
    test: testSet,
    train: loadLabelledSet('mnist-train'),
    material: { master },
    owner: { id: OWNER, signature: ownerSignature(OWNER_KEY, OWNER) },
    attacks: {
      fraction: 0.005,
      fineTuneFraction: 0.02,
      epochs: 2,
      pruneFractions: [0, 0.5, 0.95],
      fineTuneEpochs: [1],
      queryBudgets: [600],
      seed: 3,
      threads: 1,
      lockAttacks: ['no-key', 'random-key'],
    },
    boards: [port],
    boardRuns: 4,
  });
  html = await renderReportHtml(report);
  writeFileSync(join(dir, 'report.html'), html);
}, 600000);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
  rmSync(dir, { recursive: true, force: true });
});

describe('report on a locked, watermarked, packaged model with attacks and a board', () => {
  test('finds every protection the package carries and none it does not', () => {
    const applied = Object.fromEntries(report.protections.map((p) => [p.id, p.applied]));
    expect(applied).toEqual({
      lock: true,
      watermark: true,
      package: true,
      attestation: true,
      fingerprint: false,
      'query-limit': false,
      'response-mark': false,
      'score-offsets': false,
      trace: false,
    });
    for (const p of report.protections) {
      for (const k of ['scenario', 'method', 'size', 'category', 'function', 'targets'] as const)
        expect(p.aspects[k].length).toBeGreaterThan(0);
    }
    expect(report.artefact.package).toMatchObject({ version: '1.2.3', securityCounter: 4, wrappedModelKey: true });
    expect(report.artefact.lock).toMatchObject({ scheme: 'seal', binding: 'model' });
  });

  test('accuracy: the key holder gets the model, the thief gets chance', () => {
    const a = report.evidence.accuracy!;
    expect(a.samples).toBe(300);
    expect(a.source).toBeGreaterThan(0.95);
    expect(a.withKey).toBeGreaterThan(0.95);
    expect(Math.abs(a.withKey! - a.source!)).toBeLessThan(0.03);
    expect(a.withoutKey).toBeLessThan(0.25);
  });

  test('watermark: proven on the shipped int8 model, survives light pruning, not an extracted copy', () => {
    const w = report.evidence.watermark!;
    expect(w.artefact!.verdict).toBe(true);
    expect(w.artefact!.matches).toBeGreaterThanOrEqual(90);
    const at = (attack: string, x: number) => w.curves.find((c) => c.attack === attack && c.x === x)!;
    expect(at('pruning', 0).pValue).toBeLessThan(1e-6);
    expect(at('pruning', 0.5).pValue).toBeLessThan(1e-6);
    // pruning 95% of every layer's weights destroys the model along with the watermark
    expect(at('pruning', 0.95).accuracy).toBeLessThan(at('pruning', 0).accuracy - 0.2);
    expect(at('fine-tuning', 1).accuracy).toBeGreaterThan(0.9);
    // distillation from clean queries does not carry the trigger watermark (docs/security.md)
    const copy = at('extraction', 600);
    expect(copy.accuracy).toBeGreaterThan(0.5);
    expect(copy.pValue).toBeGreaterThan(1e-6);
  });

  test('lock attacks ran without the key and stayed at chance', () => {
    const rows = report.evidence.lockAttacks!.rows;
    expect(rows.map((r) => r.attack).sort()).toEqual(['from-scratch', 'no-key', 'random-key']);
    for (const r of rows.filter((x) => x.attack !== 'from-scratch')) expect(r.accuracy).toBeLessThan(0.25);
  });

  test('board: genuine, runs this very package, measured per inference', () => {
    const [b] = report.evidence.boards!;
    expect(b).toMatchObject({ port, board: 'host-sim', genuineDevice: true, runsArtefact: true, runs: 4 });
    expect(b.correct).toBeGreaterThanOrEqual(3);
    expect(b.counterPerInference).toBeGreaterThan(0);
  });

  test('no key material in the data or the page', () => {
    const text = JSON.stringify(report) + html;
    for (const k of [master, OWNER_KEY, ownerSignature(OWNER_KEY, OWNER)]) {
      for (const form of [k.toString('hex'), k.toString('hex').toUpperCase(), k.toString('base64')])
        expect(text).not.toContain(form);
    }
  });

  test('headless Chromium renders every section and every plot with its data points', async () => {
    const view = await viewPage(join(dir, 'report.html'), join(ROOT, 'artifacts', 'report.png'), () => {
      const q = (s: string) => Array.from(document.querySelectorAll(s));
      return {
        sections: q('section[id]').map((s) => s.id),
        protections: q('[data-protection]').map(
          (s) => `${s.getAttribute('data-protection')}:${s.getAttribute('data-applied')}`,
        ),
        charts: q('figure[data-chart]').map((f) => ({
          id: f.getAttribute('data-chart'),
          points: Number(f.getAttribute('data-points')),
          svg: f.querySelectorAll('svg').length,
          marks: f.querySelectorAll('svg [role="graphics-symbol"]').length,
          width: (f.querySelector('svg') as SVGSVGElement | null)?.getBoundingClientRect().width ?? 0,
        })),
        scripts: q('script').length,
      };
    });
    expect(view.errors).toEqual([]);
    expect(view.requests).toEqual([]);
    expect(view.probe.scripts).toBe(0);
    expect(view.probe.sections).toEqual(
      expect.arrayContaining(['artefact', 'summary-section', 'protections', 'evidence', 'not-measured', 'inputs']),
    );
    expect(view.probe.protections).toEqual([
      'lock:true',
      'watermark:true',
      'package:true',
      'attestation:true',
      'fingerprint:false',
      'query-limit:false',
      'response-mark:false',
      'score-offsets:false',
      'trace:false',
    ]);
    const ids = view.probe.charts.map((c) => c.id);
    expect(ids).toEqual(['accuracy', 'watermark-removal', 'watermark-accuracy', 'lock-attacks', 'size', 'boards']);
    for (const c of view.probe.charts) {
      expect(c.svg).toBe(1);
      expect(c.width).toBeGreaterThan(100);
      expect(c.marks).toBeGreaterThanOrEqual(c.points);
    }
    // the removal/extraction plots hold one point per attacked copy
    expect(view.probe.charts.find((c) => c.id === 'watermark-removal')!.points).toBe(
      report.evidence.watermark!.curves.length,
    );
  }, 120000);
});

describe('edgelock report on the command line', () => {
  const cli = (args: string[]) => runCommandsInProcess(COMMANDS, ['report', ...args]);

  test('a plain .tflite with a watermark record: JSON and HTML from one run; what was not measured is listed', async () => {
    const out = join(dir, 'plain.html');
    const json = JSON.parse(
      await cli([
        join(FIXTURES, 'mnist-lenet-wm.tflite'),
        '-o',
        out,
        '--json',
        '--data',
        'mnist-test',
        '--limit',
        '50',
      ]),
    );
    expect(json.format).toBe('edgelock-report');
    expect(json.protections.filter((p: { applied: boolean }) => p.applied).map((p: { id: string }) => p.id)).toEqual([
      'watermark',
    ]);
    expect(json.evidence.accuracy.withKey).toBeGreaterThan(0.9);
    expect(json.evidence.accuracy.withoutKey).toBeUndefined();
    expect(json.notMeasured.join('\n')).toMatch(/--owner/);
    expect(readFileSync(out, 'utf8')).toContain('<section id="not-measured">');
  });

  test('a hostile artefact cannot inject markup into the page', async () => {
    const wm = readOnnx(readFileSync(join(FIXTURES, 'mnist-lenet-wm.onnx')));
    const evil = withRecord(wm, {
      ...recordFromOnnx(wm)!,
      modelId: '<script>alert(1)</script><img src=x onerror=alert(2)>',
    });
    const file = join(dir, 'evil<b>.onnx');
    writeFileSync(file, writeOnnx(evil));
    const out = join(dir, 'evil.html');
    await cli([file, '-o', out]);
    const page = readFileSync(out, 'utf8');
    expect(page).not.toMatch(/<script|<img|<b>/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const view = await viewPage(out, join(dir, 'evil.png'), () => document.querySelectorAll('script, img').length);
    expect(view.errors).toEqual([]);
    expect(view.probe).toBe(0);
  }, 60000);

  test('usage errors are catalogue errors', async () => {
    const code = async (args: string[]) =>
      cli(args).then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
    const model = join(FIXTURES, 'mnist-lenet-wm.tflite');
    expect(await code([model])).toBe('E_USAGE');
    expect(await code([model, '--json', '--attacks'])).toBe('E_USAGE');
    expect(await code([model, '--json', '--owner', 'x', '--base', 'mnist-train'])).toBe('E_USAGE');
    expect(await code([model, '--json', '--lock-attacks', 'nope'])).toBe('E_USAGE');
    const notModel = join(dir, 'notes.txt');
    writeFileSync(notModel, 'hello');
    expect(await code([notModel, '--json'])).toBe('E_FORMAT_UNKNOWN');
  });
});
