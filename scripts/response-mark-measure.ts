/**
 * The response mark against distillation (numbers for docs/watermark.md and docs/security.md, "Response mark"):
 *   npx tsx scripts/response-mark-measure.ts --base <victim.tflite> [--rate 0.4%] [--victim board|host]
 *     [--copies 6000:hard:same,6000:soft:mnist-mlp,...] [--independents 10] [--noise 0.05] [--attacker-data mnist-train]
 *     [--owner-pool mnist-train,mnist-test] [--collude] [--threads 1] [--seed 1] [--out /tmp/response-mark.json]
 *     [--skip-runner-up] [--margin-gate <f>] [--drop <f>] [--board-offset <k>] [--statistic arg-max|scores]
 *     [--calibrate mnist-test] [--save <dir>] [--reverify <dir>] [--groups 196] [--levels 2] [--candidates 10]
 *     [--shift <px>] [--export-answers <dir>]
 * --calibrate: each board's rate as `package --mark-reference` calibrates it; --save: write every copy and independent
 * model as ONNX; --reverify: verify the .onnx files of a directory instead (no training); --groups/--levels: the
 * coarsening (package --response-mark's record; coarser codes are shared by more look-alike inputs).
 * --export-answers <dir>: write the attacker's queries and the marking board's answers to the first max(--copies)
 * of them as x.npy (float32 [n, 1, 28, 28]) and scores.npy (float32 [n, 10]), for a student trained elsewhere
 * (scripts/distill-pytorch.py), then verify its copies with --reverify.
 * Victim: board A marking at --rate. `--victim board` starts host-sim boards (the real firmware), provisions and
 * packages them with the mark and takes the attacker's answers from RUN; `--victim host` computes the same answers on
 * the host (TFLite runtime + the host's keyed decision; test/response-mark/board-agreement.test.ts shows they are
 * byte-identical to the firmware's). The attacker queries a seeded random order of --attacker-data (without the
 * first 500, the owner's calibration images), optionally with Gaussian noise of std --noise (clipped to [0, 1]), and
 * with --collude half of the queries go to a second marking board B. Each copy (queries:labels:architecture, epochs
 * as `edgelock attack`) is verified with `verifyResponseMark` among --candidates boards (default 10: A, B and innocent others) over
 * --owner-pool; --independents models trained on true labels (LeNet and MLP alternating, 6,000 samples each from
 * other windows of MNIST train, other seeds) are verified the same way. Writes JSON rows; prints a Markdown table.
 */
import * as fs from 'fs';
import { createHash } from 'crypto';
import { answersFromScores, DEFAULT_TEMPERATURE } from '../src/attack/distill';
import { defaultEpochs, pickQueries } from '../src/attack/extraction';
import { boardVictim, onnxVictim, tfliteVictim } from '../src/attack/victim';
import { startBoard, stopBoard, RunningBoard } from '../src/board';
import { loadMnist } from '../src/data/mnist';
import { DeviceClient } from '../src/device/client';
import { flashPackage } from '../src/factory/flash';
import { deriveDeviceKey } from '../src/keys/derive';
import { readOnnx } from '../src/onnx';
import { writeOnnx } from '../src/onnx/writer';
import { buildPackage } from '../src/package/build';
import { RESPONSE_MARK_DEFAULTS, ResponseMarkParams } from '../src/package/response-mark';
import { ratePpm } from '../src/cli/option-parsers';
import { responseMarkKey } from '../src/response-mark/decision';
import { loadMarkPool, poolCodes } from '../src/response-mark/pool';
import { hostMarking, MarkingAnswerer } from '../src/response-mark/host-marking';
import { calibrateRate } from '../src/response-mark/calibrate';
import { gatedInputs, MarkStatistic, verifyResponseMark, VERIFY_DEFAULTS } from '../src/response-mark/verify';
import { trainCopy } from '../src/attack/distill';
import { Rng } from '../src/train/rng';
import { writeNpy } from '../src/data/npy';
import { makeTensor } from '../src/ir/tensor';
import { MEASUREMENT_MASTER } from './support/measurement-board';
import { arg, flag, log } from './support/args';

const master = MEASUREMENT_MASTER;
const ARCH: Record<string, string> = {
  same: 'models/mnist-lenet.onnx',
  'mnist-lenet': 'models/mnist-lenet.onnx',
  'mnist-mlp': 'models/mnist-mlp.onnx',
};

function accuracy(pred: Int32Array, labels: Uint8Array, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (pred[i] === labels[i]) ok++;
  return ok / n;
}

async function main(): Promise<void> {
  const baseFile = arg('base', 'test/watermark/fixtures/mnist-lenet-wm.tflite');
  const base = fs.readFileSync(baseFile);
  const params: ResponseMarkParams = {
    ratePpm: ratePpm(arg('rate', '0.4%')),
    groups: Number(arg('groups', String(RESPONSE_MARK_DEFAULTS.groups))),
    levels: Number(arg('levels', String(RESPONSE_MARK_DEFAULTS.levels))),
    // --skip-runner-up: scheme 2's keyed class, never the base model's runner-up
    skipRunnerUp: flag('skip-runner-up'),
  };
  // --drop <f>: the least confident fraction of marked inputs verification leaves out (its default 0.1)
  const drop = Number(arg('drop', String(VERIFY_DEFAULTS.dropLeastConfident)));
  // --statistic scores: verification reads the suspects' scores (verify.ts, MarkStatistic)
  // arg-max unless asked: the documented measurements before scores became verify's default were on the arg-max
  const statistic = arg('statistic', 'arg-max') as MarkStatistic;
  // --calibrate <reference>: each board's rate lowered so it marks at most floor(rate × n) reference inputs
  const reference = arg('calibrate', '');
  // --margin-gate <f> (scheme 2's gate): the board marks only answers whose top-two margin is among the smallest
  // fraction f of the reference set's (int8 steps), at rate/f there, so the marked share of all answers stays `rate`;
  // calibration and verification count only the gated inputs
  const gateFraction = Number(arg('margin-gate', '0'));
  let refCodes = reference ? poolCodes(base, reference.split(','), params) : null;
  let nominalPpm = params.ratePpm;
  if (gateFraction > 0) {
    const refPool = await loadMarkPool(base, (reference || 'mnist-test').split(','), params);
    const all = Array.from({ length: refPool.count }, (_, i) => i);
    const margins = refPool.baseMargin(all);
    const below = [...margins].sort((a, b) => a - b)[Math.floor(gateFraction * margins.length)];
    params.gate = below;
    refCodes = all.filter((i) => margins[i] < below).map((i) => refPool.coarse[i]);
    nominalPpm = Math.min(1e6, Math.round(params.ratePpm / gateFraction));
    refPool.dispose();
    log(
      `margin gate: int8 margin < ${below} (${refCodes.length} of ${all.length} reference inputs), rate ${nominalPpm} ppm there`,
    );
  }
  const boardParams = (uid: Buffer): ResponseMarkParams => {
    if (!refCodes) return { ...params, ratePpm: nominalPpm };
    const key = responseMarkKey(master, uid);
    const c = calibrateRate(key, nominalPpm, refCodes);
    key.fill(0);
    log(
      `board ${uid.toString('hex')}: rate ${params.ratePpm} ppm calibrated on ${reference} to ${c.ratePpm} ppm (${c.markedNominal} -> ${c.marked} of ` +
        `${c.reference}, allowed ${c.allowed})`,
    );
    return { ...params, ratePpm: c.ratePpm };
  };
  const victimKind = arg('victim', 'host');
  const noise = Number(arg('noise', '0'));
  const collude = flag('collude');
  const threads = Number(arg('threads', '1'));
  // --shift <px>: the copies trained on their queries shifted at random by up to px pixels (attack --shift)
  const shift = Number(arg('shift', '0'));
  const seed = Number(arg('seed', '1'));
  const out = arg('out', '/tmp/response-mark.json');
  const saveDir = arg('save', '');
  const save = (name: string, bytes: Uint8Array) => {
    if (!saveDir) return;
    fs.mkdirSync(saveDir, { recursive: true });
    fs.writeFileSync(`${saveDir}/${name}.onnx`, bytes);
  };
  const copies = arg('copies', '6000:hard:same')
    .split(',')
    .filter(Boolean)
    .map((c) => {
      const [q, labels, arch] = c.split(':');
      return { queries: Number(q), labels: labels as 'hard' | 'soft', arch };
    });
  const independents = Number(arg('independents', '0'));
  const attackerData = arg('attacker-data', 'mnist-train');
  const ownerPool = arg('owner-pool', 'mnist-train,mnist-test').split(',');
  const test = loadMnist('test');
  const testX = test.images;
  const boards: RunningBoard[] = [];
  const clients: DeviceClient[] = [];
  const uids: Buffer[] = [];
  const rows: Record<string, unknown>[] = [];
  const file = await tfliteVictim(base, baseFile);
  try {
    const answerers: MarkingAnswerer[] = [];
    for (let b = 0; b < (collude ? 2 : 1); b++) {
      if (victimKind === 'board') {
        const rb = await startBoard({ board: 'host-sim', stateDir: fs.mkdtempSync(`/tmp/rm-board-${b}-`) });
        boards.push(rb);
        const client = await DeviceClient.open(rb.port);
        clients.push(client);
        const uid = Buffer.from((await client.info()).uid, 'hex');
        await client.keyWrite(deriveDeviceKey(master, uid));
        const pkg = buildPackage(base, {
          master,
          deviceUid: uid,
          version: '1.0.0',
          securityCounter: 1,
          responseMark: boardParams(uid),
        });
        await flashPackage(client, pkg.bytes);
        const v = await boardVictim(client, rb.port);
        uids.push(uid);
        answerers.push((x, n) => v.scores(x, n));
      } else {
        // --board-offset k: the marking boards are "measurement board k", k+1 (default 0: the unlucky key, calibrated
        // to 0.3245%; 1 is a key calibrated to 0.4773%, near the mean of 20 keys)
        const uid = createHash('sha256')
          .update(`measurement board ${b + Number(arg('board-offset', '0'))}`)
          .digest()
          .subarray(0, 16);
        uids.push(uid);
        answerers.push(hostMarking(file, base, boardParams(uid), responseMarkKey(master, uid)));
      }
    }
    const others = Array.from({ length: Number(arg('candidates', '10')) - uids.length }, (_, i) =>
      createHash('sha256').update(`innocent board ${i}`).digest().subarray(0, 16),
    );
    const candidates = [...uids, ...others].map((u) => ({
      uid: u.toString('hex'),
      key: responseMarkKey(master, u),
      ratePpm: boardParams(u).ratePpm,
    }));
    // legitimate accuracy: the marking victim vs the unmarked one on the 10,000 test images
    if (!flag('skip-victim')) {
      const clean = await file.predict(testX, test.count);
      const markedScores = await answerers[0](testX, test.count);
      const markedPred = Int32Array.from({ length: test.count }, (_, i) => {
        let best = 0;
        for (let c = 1; c < 10; c++) if (markedScores[i * 10 + c] > markedScores[i * 10 + best]) best = c;
        return best;
      });
      const victimAcc = accuracy(clean, test.labels, test.count);
      const markedAcc = accuracy(markedPred, test.labels, test.count);
      log(
        `victim ${victimKind}: test accuracy ${(victimAcc * 100).toFixed(2)}% ` +
          `unmarked, ${(markedAcc * 100).toFixed(2)}% marked (answers ` +
          `changed: ${markedPred.filter((p, i) => p !== clean[i]).length})`,
      );
      rows.push({
        kind: 'victim',
        victim: victimKind,
        rate: params.ratePpm / 1e6,
        unmarked: victimAcc,
        marked: markedAcc,
      });
    }
    log(`loading the owner's pool ${ownerPool.join(',')}`);
    const pool = await loadMarkPool(base, ownerPool, params);
    if (params.gate) log(`margin gate: ${gatedInputs(pool, params).length} of ${pool.count} pool inputs below it`);
    const summary = (r: Awaited<ReturnType<typeof verifyResponseMark>>) => {
      const best = [...r.candidates].sort((a, b) => a.familyP - b.familyP)[0];
      const mine = r.candidates.filter((c) => uids.some((u) => u.toString('hex') === c.uid));
      const innocent = r.candidates.filter((c) => !uids.some((u) => u.toString('hex') === c.uid));
      return {
        boards: mine.map(
          (c) =>
            `${c.matches}/${c.trials} codes (${c.expected.toFixed(1)} exp; ${c.disagreements} dis on ${c.counted ?? '-'}/${c.marked ?? '-'} marked) familyP ` +
            `${c.familyP.toExponential(2)}` +
            (c.logRatio
              ? ` (lead p ${c.leadP!.toExponential(1)}; weighted lead ${c.weightedLead!.sum.toFixed(1)} ` +
                `(${c.weightedLead!.expected.toFixed(1)} ± ${c.weightedLead!.sd.toFixed(1)}) p ${c.weightedLead!.p.toExponential(1)}; log-ratio ` +
                c.logRatio
                  .map(
                    (x) =>
                      `e^-${x.floor}: ${x.sum.toFixed(1)} (${x.expected.toFixed(1)} ± ${x.sd.toFixed(1)}) p ${x.p.toExponential(1)}`,
                  )
                  .join(', ') +
                ')'
              : ''),
        ),
        bestInnocent: [...innocent]
          .sort((a, b) => a.familyP - b.familyP)
          .map((c) => `${c.matches}/${c.trials} ${c.familyP.toExponential(2)}`)[0],
        best: `${best.uid.slice(0, 8)} ${best.matches}/${best.trials} ${best.familyP.toExponential(2)}`,
        pooled: r.candidates.reduce((t, c) => ({ m: t.m + c.matches, t: t.t + c.trials, e: t.e + c.expected }), {
          m: 0,
          t: 0,
          e: 0,
        }),
        decoys: `${r.null.matches}/${r.null.trials} (${r.null.expected.toFixed(1)} exp) p ${r.null.p.toExponential(2)}`,
        named: r.named,
        together: r.together
          ? `${r.together.uids.map((u) => u.slice(0, 8)).join('+')} ${r.together.matches}/${r.together.trials} ` +
            `(${r.together.expected.toFixed(1)} exp) familyP ${r.together.familyP.toExponential(2)}`
          : null,
        namedTogether: r.namedTogether,
      };
    };
    const verify = async (model: Uint8Array, name: string) => {
      const s = await onnxVictim(model, name);
      try {
        const acc = accuracy(await s.predict(testX, test.count), test.labels, test.count);
        const r = await verifyResponseMark({
          pool,
          params,
          candidates,
          suspect: s,
          dropLeastConfident: drop,
          statistic,
        });
        return { acc, r };
      } finally {
        s.dispose();
      }
    };
    const reverify = arg('reverify', '');
    if (reverify) {
      for (const f of fs
        .readdirSync(reverify)
        .filter((n) => n.endsWith('.onnx'))
        .sort()) {
        const t0 = Date.now();
        const { acc, r } = await verify(fs.readFileSync(`${reverify}/${f}`), f);
        const seconds = (Date.now() - t0) / 1000;
        const row = {
          kind: 'reverify',
          file: f,
          accuracy: acc,
          seconds,
          screened: r.screened,
          queries: r.queries,
          ...summary(r),
        };
        rows.push(row);
        log(JSON.stringify(row));
      }
      fs.writeFileSync(out, JSON.stringify(rows, null, 1));
      pool.dispose();
      return;
    }
    // the attacker's queries
    const src = loadMnist(attackerData === 'mnist-test' ? 'test' : 'train');
    const maxQ = Math.max(0, ...copies.map((c) => c.queries));
    const exclude = attackerData === 'mnist-test' ? [] : Array.from({ length: 500 }, (_, i) => i);
    const picked = pickQueries({ x: src.images, labels: src.labels, count: src.count }, maxQ, exclude, seed);
    const x = picked.x;
    if (noise > 0) {
      const rng = new Rng(seed + 99);
      for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, x[i] + noise * rng.normal()));
    }
    if (copies.length) {
      const t0 = Date.now();
      const scores = new Float32Array(picked.count * 10);
      const size = 784;
      const chunk = 500;
      for (let s = 0; s < picked.count; s += chunk) {
        const n = Math.min(chunk, picked.count - s);
        // colluders: alternate chunks between the boards
        const a = answerers[collude ? (s / chunk) % 2 : 0];
        scores.set(await a(x.subarray(s * size, (s + n) * size), n), s * 10);
      }
      log(`answers to ${picked.count} queries in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      const exportDir = arg('export-answers', '');
      if (exportDir) {
        fs.mkdirSync(exportDir, { recursive: true });
        writeNpy(
          `${exportDir}/x.npy`,
          makeTensor('float32', [picked.count, 1, 28, 28], x.slice(0, picked.count * size)),
        );
        writeNpy(`${exportDir}/scores.npy`, makeTensor('float32', [picked.count, 10], scores));
        log(`wrote ${exportDir}/x.npy and scores.npy`);
        pool.dispose();
        return;
      }
      for (const c of copies) {
        const n = Math.min(c.queries, picked.count);
        const epochs = Number(arg('epochs', String(defaultEpochs(n))));
        const lr = c.labels === 'soft' ? 0.05 / DEFAULT_TEMPERATURE : 0.05;
        const answers = answersFromScores(scores.subarray(0, n * 10), n, 10, c.labels, DEFAULT_TEMPERATURE);
        const arch = readOnnx(fs.readFileSync(ARCH[c.arch] ?? c.arch));
        const t1 = Date.now();
        const copy = await trainCopy(arch, x.subarray(0, n * size), n, answers, { epochs, lr, seed, threads, shift });
        const train = (Date.now() - t1) / 1000;
        save(
          `copy-${n}-${c.labels}-${c.arch}${noise ? `-noise${noise}` : ''}${collude ? '-collude' : ''}${shift ? `-shift${shift}` : ''}`,
          writeOnnx(copy),
        );
        let verdict;
        try {
          verdict = await verify(writeOnnx(copy), `copy ${c.queries}:${c.labels}:${c.arch}`);
        } catch (e) {
          log(`verify failed: ${String(e)}`);
          continue;
        }
        const { acc, r } = verdict;
        const row = {
          kind: 'copy',
          ...c,
          queries: n,
          epochs,
          lr,
          shift,
          noise,
          collude,
          attackerData,
          ownerPool: ownerPool.join(','),
          accuracy: acc,
          ...summary(r),
          trainSeconds: train,
        };
        rows.push(row);
        log(JSON.stringify(row));
        fs.writeFileSync(out, JSON.stringify(rows, null, 1));
      }
    }
    // independently trained models (true labels)
    const train = loadMnist('train');
    for (let k = 0; k < independents; k++) {
      const archName = k % 2 === 0 ? 'mnist-lenet' : 'mnist-mlp';
      const arch = readOnnx(fs.readFileSync(ARCH[archName]));
      const from = 10000 + ((k * 6000) % 48000);
      const labels = train.labels.subarray(from, from + 6000);
      const t1 = Date.now();
      const m = await trainCopy(
        arch,
        train.images.subarray(from * 784, (from + 6000) * 784),
        6000,
        { labels: Uint8Array.from(labels) },
        {
          epochs: Number(arg('independent-epochs', '10')),
          lr: 0.05,
          seed: 100 + k,
          threads,
        },
      );
      save(`independent-${k}-${archName}`, writeOnnx(m));
      const { acc, r } = await verify(writeOnnx(m), `independent ${k}`);
      const row = {
        kind: 'independent',
        arch: archName,
        window: from,
        accuracy: acc,
        ...summary(r),
        trainSeconds: (Date.now() - t1) / 1000,
      };
      rows.push(row);
      log(JSON.stringify(row));
      fs.writeFileSync(out, JSON.stringify(rows, null, 1));
    }
    pool.dispose();
  } finally {
    file.dispose();
    for (const c of clients) await c.close().catch(() => undefined);
    for (const b of boards) await stopBoard(b.pid).catch(() => undefined);
  }
  fs.writeFileSync(out, JSON.stringify(rows, null, 1));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
