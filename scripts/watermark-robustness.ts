/**
 * Robustness of the watermark on a zoo model (numbers for docs/watermark.md):
 *   npx tsx scripts/watermark-robustness.ts --model models/mnist-lenet.onnx [--epochs 2] [--threads 2]
 *     [--clean-dir /tmp/wm/clean] [--clean-models 10] [--save /tmp/wm/lenet-wm.onnx | --watermarked <file>]
 *     [--out /tmp/wm-robustness.json]
 * Embeds with the default parameters on MNIST train (60k) (or loads --watermarked), calibrates the
 * null on the independently trained clean models of the same architecture in --clean-dir (made by
 * scripts/watermark-clean-models.ts; waits until --clean-models files are there), checks those
 * clean models for false positives, and verifies after each removal attack: magnitude
 * pruning 50/70/90%, fine-tuning 1 and 5 epochs on a random 10% of MNIST train, int8 compilation
 * (TFLite runtime). Prints a Markdown table; writes all numbers as JSON.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { compileModel } from '../src/compiler/compile';
import { loadMnist } from '../src/data/mnist';
import { Model } from '../src/ir/types';
import { readOnnx, writeOnnx } from '../src/onnx';
import { accuracy, predict } from '../src/train/fit';
import { trainableFromModel } from '../src/train/from-model';
import { Rng } from '../src/train/rng';
import { calibrateNull, CleanClassifier } from '../src/watermark/calibrate';
import { embedWatermark, EmbedResult } from '../src/watermark/embed';
import { recordFromOnnx } from '../src/watermark/metadata';
import { scoreLabels } from '../src/watermark/score';
import { fineTune, magnitudePrune } from '../src/attack/watermark-removal';
import { RUNNERS } from '../src/watermark/runners';
import { ownerSignature } from '../src/watermark/signature';
import { BaseData, prepareTriggers, VerifyReport, verifyWithRunner } from '../src/watermark/verify';
import { arg, log } from './support/args';

function loadedWatermark(bytes: Uint8Array): EmbedResult {
  const model = readOnnx(bytes);
  const record = recordFromOnnx(model);
  if (!record) throw new Error('--watermarked: the model carries no watermark record');
  return { model, record, history: [], triggerAccuracy: NaN, stopped: false };
}

async function main(): Promise<void> {
  const modelFile = arg('model', 'models/mnist-lenet.onnx');
  const epochs = Number(arg('epochs', '2'));
  const threads = Number(arg('threads', '2'));
  const cleanModels = Number(arg('clean-models', '10'));
  const out = arg('out', '/tmp/wm-robustness.json');
  const key = createHash('sha256').update('edgelock watermark robustness demo key').digest();
  const sig = ownerSignature(key, 'acme-vision');
  const train = loadMnist('train');
  const test = loadMnist('test');
  const base: BaseData = { data: train.images, labels: train.labels, count: train.count };
  const testData = { x: test.images, labels: test.labels, count: test.count };
  const acc = (m: Model) => accuracy(trainableFromModel(m).net, testData);

  const original = readOnnx(fs.readFileSync(modelFile));
  const accOriginal = acc(original);
  log(`${modelFile}: clean test accuracy ${(100 * accOriginal).toFixed(2)}%`);
  const t0 = Date.now();
  const given = arg('watermarked', '');
  const emb = given
    ? loadedWatermark(fs.readFileSync(given))
    : await embedWatermark(original, {
        signature: sig,
        modelId: 'mnist-lenet',
        data: train.images,
        labels: train.labels,
        count: train.count,
        epochs,
        threads,
        onProgress: (p) =>
          log(
            `embed epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ${Math.round(p.samplesPerSec)} samples/s`,
          ),
      });
  const embedSeconds = (Date.now() - t0) / 1000;
  const wm = emb.model;
  const save = arg('save', '');
  if (save) fs.writeFileSync(save, writeOnnx(wm));
  const accWm = acc(wm);
  log(
    `embedded in ${embedSeconds.toFixed(0)} s: accuracy ${(100 * accWm).toFixed(2)}%, trigger accuracy ${emb.triggerAccuracy}`,
  );

  const params = emb.record;
  const cleanDir = arg('clean-dir', '/tmp/wm/clean');
  const cleanFiles = async (): Promise<string[]> => {
    for (;;) {
      const files = fs.existsSync(cleanDir)
        ? fs
            .readdirSync(cleanDir)
            .filter((f) => f.endsWith('.onnx'))
            .sort()
        : [];
      if (files.length >= cleanModels) return files.slice(0, cleanModels).map((f) => `${cleanDir}/${f}`);
      log(`waiting for ${cleanModels} clean models in ${cleanDir} (${files.length} there)`);
      await new Promise((r) => setTimeout(r, 30000));
    }
  };
  const files = await cleanFiles();
  const classifiers: CleanClassifier[] = [];
  const cleanAcc: Record<string, number> = {};
  for (const f of files) {
    const m = readOnnx(fs.readFileSync(f));
    const net = trainableFromModel(m).net;
    cleanAcc[f] = accuracy(net, testData);
    classifiers.push({ name: f, predict: async (xs, n) => predict(net, xs, n), accuracy: cleanAcc[f] });
  }
  const nullCal = await calibrateNull(sig, params, base, classifiers, 9, (r) =>
    log(`clean ${r.model}: ${r.matches}/${r.trials} matches, accuracy ${((r.accuracy ?? 0) * 100).toFixed(2)}%`),
  );
  const nullRate = nullCal.nullRate;
  log(
    `null rate ${nullRate} (pooled ${nullCal.pooledMatches}/${nullCal.pooledTrials}, upper bound ${nullCal.upperBound})`,
  );

  const verifyModel = async (
    m: Model | Uint8Array,
    format: 'onnx' | 'tflite',
    signature = sig,
  ): Promise<VerifyReport> => {
    const bytes = m instanceof Uint8Array ? m : writeOnnx(m);
    const runner = await RUNNERS[format]!(bytes, format);
    try {
      return await verifyWithRunner(runner, { signature, params, record: null, base, nullRate });
    } finally {
      runner.dispose();
    }
  };

  // Owner-trigger p-values of the clean models (false-positive check; the same models as the calibration).
  const cleanChecks: Array<{ model: string; pValue: number; matches: number; accuracy?: number }> = [];
  const set = prepareTriggers(sig, params, base).set;
  for (const c of classifiers) {
    const s = scoreLabels(await c.predict(set.x, set.labels.length), set.labels, nullRate);
    cleanChecks.push({ model: c.name, pValue: s.pValue, matches: s.matches, accuracy: c.accuracy });
  }
  const origCheck = await verifyModel(original, 'onnx');
  cleanChecks.push({
    model: 'original (pre-embedding)',
    pValue: origCheck.pValue,
    matches: origCheck.matches,
    accuracy: accOriginal,
  });

  const rows: Array<{
    attack: string;
    accuracy: number;
    matches: number;
    triggers: number;
    pValue: number;
    seconds?: number;
  }> = [];
  const add = async (attack: string, m: Model, format: 'onnx' | 'tflite' = 'onnx', bytes?: Uint8Array) => {
    const r = await verifyModel(bytes ?? m, format);
    rows.push({ attack, accuracy: acc(m), matches: r.matches, triggers: r.triggers, pValue: r.pValue });
    log(
      `${attack}: accuracy ${(100 * acc(m)).toFixed(2)}%, ${r.matches}/${r.triggers}, p ${r.pValue.toExponential(2)}`,
    );
  };
  await add('none (watermarked ONNX)', wm);
  const compiled = await compileModel(writeOnnx(wm), {
    precision: 'int8',
    calibration: { data: train.images.subarray(0, 1000 * 784), count: 1000, sampleShape: [1, 28, 28] },
  });
  {
    const runner = await RUNNERS.tflite!(compiled.bytes, 'int8');
    const pred = await runner.predict(test.images, test.count);
    let ok = 0;
    for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) ok++;
    const r = await verifyWithRunner(runner, { signature: sig, params, record: null, base, nullRate });
    runner.dispose();
    rows.push({
      attack: 'int8 quantisation (edgelock compile, TFLite runtime)',
      accuracy: ok / test.count,
      matches: r.matches,
      triggers: r.triggers,
      pValue: r.pValue,
    });
  }
  for (const f of [0.5, 0.7, 0.9]) await add(`magnitude pruning ${f * 100}% (per layer)`, magnitudePrune(wm, f));
  const subset = 6000;
  const order = new Rng(777).shuffle(Int32Array.from({ length: train.count }, (_, i) => i));
  const x = new Float32Array(subset * 784);
  const y = new Uint8Array(subset);
  for (let i = 0; i < subset; i++) {
    x.set(train.images.subarray(order[i] * 784, (order[i] + 1) * 784), i * 784);
    y[i] = train.labels[order[i]];
  }
  for (const e of [1, 5])
    await add(
      `fine-tuning ${e} epoch(s) on 10% of train (SGD lr 0.01, momentum 0.9)`,
      await fineTune(wm, { x, labels: y, count: subset }, { epochs: e, lr: 0.01, seed: 5, threads }),
    );

  const other = await verifyModel(wm, 'onnx', ownerSignature(key, 'acme-visio'));
  const key2 = Buffer.from(key);
  key2[0] ^= 1;
  const otherKey = await verifyModel(wm, 'onnx', ownerSignature(key2, 'acme-vision'));

  const result = {
    model: modelFile,
    accOriginal,
    accWatermarked: accWm,
    embedSeconds,
    epochs,
    record: emb.record,
    triggerAccuracy: emb.triggerAccuracy,
    null: nullCal,
    cleanChecks,
    rows,
    otherOwner: { matches: other.matches, pValue: other.pValue },
    otherKey: { matches: otherKey.matches, pValue: otherKey.pValue },
  };
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  const pct = (v: number) => (100 * v).toFixed(2);
  const lines = [
    `clean accuracy ${pct(accOriginal)}% → watermarked ${pct(accWm)}% ` +
      `(drop ${(100 * (accOriginal - accWm)).toFixed(2)} points); null rate ${nullRate.toPrecision(3)}`,
    '',
    '| attack | test accuracy | trigger matches | p-value | detected (p ≤ 1e-6) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.attack} | ${pct(r.accuracy)}% | ${r.matches}/${r.triggers} | ${r.pValue.toExponential(2)} | ${r.pValue <= 1e-6 ? 'yes' : 'no'} |`,
    ),
    '',
    `other owner id: ${other.matches}/${other.triggers}, p ${other.pValue.toExponential(2)}; other ` +
      `key: ${otherKey.matches}/${otherKey.triggers}, p ${otherKey.pValue.toExponential(2)}`,
    `clean models (owner triggers): ${cleanChecks.map((c) => `${c.model} ${c.matches} (p ${c.pValue.toExponential(1)})`).join('; ')}`,
    `false positives (p ≤ 1e-3): ${cleanChecks.filter((c) => c.pValue <= 1e-3).length}/${cleanChecks.length}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
