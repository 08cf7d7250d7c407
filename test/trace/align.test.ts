/**
 * A thief's free re-parametrisation of a leaked model against white-box tracing (src/trace/align.ts,
 * docs/security.md "Tracing a leaked model to its board"): re-ordering the hidden units of the zoo LeNet and MLP
 * leaves every output of the TFLite runtime exactly as it was, and read in place the trace code is then noise
 * (nobody named). With the units put back — and re-scaled units scaled back — the board is named among 1,000 again,
 * also after a fine-tune of the shuffled copy, when units were added to the hidden dense layers and channels to
 * the convolutions, and when units were split in two, while the base model and a stranger's model, shuffled the same way, name nobody; an unshuffled
 * dump is read exactly as before.
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { deriveTraceKey } from '../../src/keys/derive';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { readTflite } from '../../src/tflite/reader';
import { fineTune, shuffleUnits, widenHidden } from '../../src/trace/attacks';
import { carriersOf } from '../../src/trace/carriers';
import { embedTraceCode } from '../../src/trace/embed';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { scoreCandidates } from '../../src/trace/score';
import { traceLeak } from '../../src/trace/trace';
import { unitChain } from '../../src/trace/unit-chain';
import { lineUp } from '../../src/trace/align';
import { fileVictim } from '../../src/trace/victims';
import { whiteBoxReading } from '../../src/trace/whitebox';
import { runCli, keyDir } from '../helpers/cli';
import { mnistTestAccuracy, simulatedUids } from '../helpers/mnist-boards';

const MASTER = createHash('sha256').update('edgelock unit alignment test master').digest();
const traceKey = deriveTraceKey(MASTER);
const uids = simulatedUids('a119', 1000);
const train = loadMnist('train');
const testSet = loadMnist('test');
const models: Record<'lenet' | 'mlp', Uint8Array> = {} as never;

const marked = (base: Uint8Array, d: number) =>
  embedTraceCode(base, traceKey, Buffer.from(uids[d], 'hex'), DEFAULT_TRACE_PARAMS).bytes;
const trace = (base: Uint8Array, leaked: Uint8Array) =>
  traceLeak({ base, master: MASTER, candidates: [{ uids, params: DEFAULT_TRACE_PARAMS }], alpha: 1e-6, leaked });
/** The true board's z and the best other board's z, read in place (before the alignment) or aligned. */
function scores(base: Uint8Array, leaked: Uint8Array, d: number, align: boolean) {
  const set = carriersOf(base, traceKey, DEFAULT_TRACE_PARAMS);
  const r = whiteBoxReading(leaked, base, set, align);
  const s = scoreCandidates(r.evidence, traceKey, uids);
  return { aligned: r.aligned, own: s.find((x) => x.uid === uids[d])!.z, other: s.find((x) => x.uid !== uids[d])!.z };
}
/** The leak traced with its units put back: the board named, well above the bar. */
async function expectNamedAligned(base: Uint8Array, leaked: Uint8Array, d: number): Promise<void> {
  const r = await trace(base, leaked);
  expect(r.unitsRealigned).toBe(true);
  expect(r.named.map((n) => n.uid)).toEqual([uids[d]]);
  expect(r.best.z).toBeGreaterThan(150);
}
/** A model that carries no board's code (or a stranger's) names nobody. */
async function expectNobody(base: Uint8Array, model: Uint8Array): Promise<void> {
  const r = await trace(base, model);
  expect(r.named).toEqual([]);
  expect(r.best.z).toBeLessThan(5.5);
}
const calibration = { data: train.images.subarray(0, 200 * 784), count: 200, sampleShape: [1, 28, 28] };
const architecture = (name: 'lenet' | 'mlp') =>
  readOnnx(readFileSync(join(__dirname, `../../models/mnist-${name}.onnx`)));
async function outputs(model: Uint8Array, n: number): Promise<Float32Array> {
  const v = await fileVictim(model);
  try {
    return await v.query(testSet.images.subarray(0, n * 784), n);
  } finally {
    v.dispose();
  }
}

beforeAll(async () => {
  for (const name of ['lenet', 'mlp'] as const)
    models[name] = (await compileModel(writeOnnx(architecture(name)), { precision: 'int8', calibration })).bytes;
}, 120000);

describe('white-box tracing against re-ordered and re-scaled hidden units', () => {
  test('the units of the zoo models: which filter feeds which, and where each unit is an input channel', () => {
    const lenet = unitChain(readTflite(models.lenet))!;
    expect(lenet.map((l) => [l.units, l.rowLength, l.from, l.inChannels, l.hidden])).toEqual([
      [6, 25, -1, 1, true],
      [16, 150, 0, 6, true],
      [120, 400, 1, 16, true], // the dense layer reads a 5×5×16 channels-last flatten: channel = column mod 16
      [84, 120, 2, 120, true],
      [10, 84, 3, 84, false],
    ]);
    expect(lenet.every((l) => l.scalable)).toBe(true);
    const mlp = unitChain(readTflite(models.mlp))!;
    expect(mlp.map((l) => [l.units, l.rowLength, l.from, l.hidden])).toEqual([
      [128, 784, -1, true],
      [64, 128, 0, true],
      [10, 64, 1, false],
    ]);
  });

  test('which leaked chains line up with the base: units added up to 4×, none removed, same outputs and layers', () => {
    const mlp = unitChain(readTflite(models.mlp))!;
    const widened = (k: number, units: number) =>
      mlp.map((l, j) =>
        j === k
          ? { ...l, units }
          : j === k + 1
            ? { ...l, rowLength: (l.rowLength / l.inChannels) * units, inChannels: units }
            : l,
      );
    expect(lineUp(mlp, mlp)).toBe(true);
    expect(lineUp(mlp, widened(0, 144))).toBe(true);
    expect(lineUp(mlp, widened(0, 512))).toBe(true);
    expect(lineUp(mlp, widened(0, 513))).toBe(false); // more than 4× the units: not aligned (Munkres is cubic)
    expect(lineUp(mlp, widened(0, 100))).toBe(false); // units removed
    expect(
      lineUp(
        mlp,
        widened(1, 64).map((l, j) => (j === 2 ? { ...l, units: 12 } : l)),
      ),
    ).toBe(false); // other outputs
    expect(lineUp(mlp, mlp.slice(0, 2))).toBe(false);
    expect(lineUp(mlp, unitChain(readTflite(models.lenet))!)).toBe(false);
  });

  test('a model that is not such a chain (depthwise convolutions: the zoo DS-CNN) is read in place only', async () => {
    const onnx = readOnnx(readFileSync(join(__dirname, '../../models/kws-dscnn.onnx')));
    const data = Float32Array.from({ length: 8 * 490 }, (_, i) => Math.sin(i * 0.37));
    const kws = (
      await compileModel(writeOnnx(onnx), {
        precision: 'int8',
        calibration: { data, count: 8, sampleShape: [1, 49, 10] },
      })
    ).bytes;
    expect(unitChain(readTflite(kws))).toBeNull();
    const set = carriersOf(kws, traceKey, DEFAULT_TRACE_PARAMS);
    const leaked = embedTraceCode(kws, traceKey, Buffer.from(uids[5], 'hex'), DEFAULT_TRACE_PARAMS).bytes;
    const r = whiteBoxReading(leaked, kws, set);
    expect(r.aligned).toBe(false);
    expect(scoreCandidates(r.evidence, traceKey, uids)[0].uid).toBe(uids[5]);
  }, 120000);

  test.each(['lenet', 'mlp'] as const)(
    '%s: re-ordered units answer exactly as before and hide the code in place; put back, the board is named among 1,000',
    async (name) => {
      const base = models[name];
      const d = 617;
      const leaked = marked(base, d);
      const shuffled = shuffleUnits(leaked, { seed: 5 });
      expect(Buffer.from(shuffled).equals(Buffer.from(leaked))).toBe(false);
      // the attack costs the thief nothing: every int8 output of the TFLite runtime is unchanged
      expect(Array.from(await outputs(shuffled, 300))).toEqual(Array.from(await outputs(leaked, 300)));
      const before = scores(base, shuffled, d, false);
      expect(before.own).toBeLessThan(5);
      const after = scores(base, shuffled, d, true);
      expect(after.aligned).toBe(true);
      expect(after.own).toBeGreaterThan(0.98 * scores(base, leaked, d, false).own);
      expect(after.other).toBeLessThan(5);
      const r = await trace(base, shuffled);
      expect(r.named.map((n) => n.uid)).toEqual([uids[d]]);
      expect(r.unitsRealigned).toBe(true);
      expect(r.pValue).toBeLessThan(1e-100);
    },
    120000,
  );

  test.each(['lenet', 'mlp'] as const)(
    '%s: units also scaled by factors in [0.5, 1] (the copy within 0.5 points in the TFLite runtime): named',
    async (name) => {
      const base = models[name];
      const leaked = marked(base, 3);
      const scaled = shuffleUnits(leaked, { seed: 9, scale: [0.5, 1] });
      expect(
        Math.abs((await mnistTestAccuracy(scaled, 1000)) - (await mnistTestAccuracy(leaked, 1000))),
      ).toBeLessThanOrEqual(0.005);
      expect(scores(base, scaled, 3, false).own).toBeLessThan(5);
      await expectNamedAligned(base, scaled, 3);
    },
    120000,
  );

  test('units added to every hidden dense layer (recompiled from the ONNX architecture), then shuffled: named; the in-place reading refuses it', async () => {
    const base = models.mlp;
    const leaked = marked(base, 250);
    const arch = architecture('mlp');
    const wide = shuffleUnits(await widenHidden(leaked, arch, { dense: 16 }, 7, calibration), {
      seed: 8,
      scale: [0.5, 1],
    });
    const chain = unitChain(readTflite(wide))!;
    expect(chain.map((l) => l.units)).toEqual([144, 80, 10]);
    expect(
      Math.abs((await mnistTestAccuracy(wide, 1000)) - (await mnistTestAccuracy(leaked, 1000))),
    ).toBeLessThanOrEqual(0.005);
    const set = carriersOf(base, traceKey, DEFAULT_TRACE_PARAMS);
    expect(() => whiteBoxReading(wide, base, set, false)).toThrow(expect.objectContaining({ code: 'E_TRACE_MODEL' }));
    await expectNamedAligned(base, wide, 250);
    // the base model widened the same way carries no code: nobody
    await expectNobody(base, shuffleUnits(await widenHidden(base, arch, { dense: 16 }, 7, calibration), { seed: 8 }));
  }, 180000);

  test('lenet: channels added to both convolutions and units to the hidden dense layers, then shuffled: named', async () => {
    const base = models.lenet;
    const leaked = marked(base, 610);
    const arch = architecture('lenet');
    const wide = shuffleUnits(await widenHidden(leaked, arch, { dense: 8, conv: 4 }, 9, calibration), {
      seed: 10,
      scale: [0.5, 1],
    });
    const chain = unitChain(readTflite(wide))!;
    // the dense layer after the flatten reads 5×5×20 channels-last: the new channels interleaved in every position
    expect(chain.map((l) => [l.units, l.rowLength, l.inChannels])).toEqual([
      [10, 25, 1],
      [20, 250, 10],
      [128, 500, 20],
      [92, 128, 128],
      [10, 92, 92],
    ]);
    expect(
      Math.abs((await mnistTestAccuracy(wide, 1000)) - (await mnistTestAccuracy(leaked, 1000))),
    ).toBeLessThanOrEqual(0.005);
    await expectNamedAligned(base, wide, 610);
    await expectNobody(
      base,
      shuffleUnits(await widenHidden(base, arch, { dense: 8, conv: 4 }, 9, calibration), { seed: 10 }),
    );
  }, 180000);

  test('lenet: 6 channels of each convolution and 84 units of each hidden dense layer split in two, then shuffled: named at nearly the full z', async () => {
    const base = models.lenet;
    const leaked = marked(base, 733);
    const arch = architecture('lenet');
    const split = { dense: 84, conv: 6, split: true };
    const wide = shuffleUnits(await widenHidden(leaked, arch, split, 11, calibration), { seed: 12, scale: [0.5, 1] });
    expect(unitChain(readTflite(wide))!.map((l) => l.units)).toEqual([12, 22, 204, 168, 10]);
    // a split changes nothing the model computes (the two halves' outgoing weights add up to the original's)
    const [a, b] = [await outputs(leaked, 200), await outputs(wide, 200)];
    const spread = Math.sqrt(a.reduce((t, v) => t + v * v, 0) / a.length);
    const rms = Math.sqrt(a.reduce((t, v, i) => t + (v - b[i]) ** 2, 0) / a.length);
    expect(rms).toBeLessThan(0.05 * spread);
    // the split-off halves are summed back into their base units: z 223 (the unsplit dump: 245); read as added units
    // they were left out and the matched halves' outgoing weights were α times the base's: z 30
    await expectNamedAligned(base, wide, 733);
    await expectNobody(base, shuffleUnits(await widenHidden(base, arch, split, 11, calibration), { seed: 12 }));
  }, 180000);

  test('mlp: shuffled, then fine-tuned on 6,000 training images: named', async () => {
    const base = models.mlp;
    const n = 6000;
    const tuned = fineTune(
      shuffleUnits(marked(base, 42), { seed: 11, scale: [0.5, 1] }),
      { x: train.images.subarray(0, n * 784), labels: train.labels.subarray(0, n), count: n },
      { epochs: 1, lr: 0.005, seed: 3 },
    );
    expect(await mnistTestAccuracy(tuned, 1000)).toBeGreaterThan(0.94);
    expect(scores(base, tuned, 42, false).own).toBeLessThan(5);
    const r = await trace(base, tuned);
    expect(r.named.map((x) => x.uid)).toEqual([uids[42]]);
    expect(r.best.z).toBeGreaterThan(20);
  }, 300000);

  test('the null holds: the base model and a stranger’s model, shuffled, name nobody; an unshuffled dump is read in place', async () => {
    for (const name of ['lenet', 'mlp'] as const) {
      const base = models[name];
      await expectNobody(base, shuffleUnits(base, { seed: 21, scale: [0.5, 1] }));
      const strangerModel = embedTraceCode(
        base,
        traceKey,
        Buffer.from('ff'.repeat(16), 'hex'),
        DEFAULT_TRACE_PARAMS,
      ).bytes;
      await expectNobody(base, shuffleUnits(strangerModel, { seed: 22 }));
      // a dump whose units did not move: the in-place reading, unchanged
      const dump = marked(base, 8);
      const set = carriersOf(base, traceKey, DEFAULT_TRACE_PARAMS);
      const a = whiteBoxReading(dump, base, set);
      expect(a.aligned).toBe(false);
      expect(Array.from(a.evidence)).toEqual(Array.from(whiteBoxReading(dump, base, set, false).evidence));
      expect((await trace(base, dump)).unitsRealigned).toBe(false);
    }
  }, 120000);

  test('edgelock trace on a shuffled copy names the board and says the units were put back', () => {
    const { dir, key } = keyDir('el-align-', MASTER);
    const base = join(dir, 'lenet.tflite');
    writeFileSync(base, models.lenet);
    const devices = join(dir, 'devices.txt');
    writeFileSync(devices, uids.slice(0, 100).join('\n') + '\n');
    const leaked = join(dir, 'leaked.tflite');
    writeFileSync(leaked, shuffleUnits(marked(models.lenet, 77), { seed: 4, scale: [0.5, 1] }));
    const r = runCli(['trace', '--base', base, '--key', key, '--devices', devices, '--model', leaked]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('its hidden units had been re-ordered or re-scaled and were put back');
    expect(r.stdout).toContain(`verdict    leaked from board ${uids[77]}`);
    const j = JSON.parse(
      runCli(['trace', '--base', base, '--key', key, '--devices', devices, '--model', leaked, '--json']).stdout,
    );
    expect(j.unitsRealigned).toBe(true);
    expect(j.named.map((n: { uid: string }) => n.uid)).toEqual([uids[77]]);
  }, 120000);
});
