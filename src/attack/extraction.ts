/**
 * The extraction attack of `edgelock attack --only distill`: query a victim (file or board) on the
 * attacker's own inputs, train a copy of a chosen architecture on its hard or soft answers
 * (src/attack/distill.ts), then score the copy — test accuracy, agreement with the victim — and run
 * every ownership check (src/attack/ownership.ts) on the copy and, as the control, on the victim.
 */
import { performance } from 'perf_hooks';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { writeOnnx } from '../onnx/writer';
import { LabelledData } from '../train/fit';
import { Rng } from '../train/rng';
import { argmaxRows } from '../watermark/runners';
import { resolveArchitecture } from './architecture';
import { DEFAULT_TEMPERATURE, LabelKind, answersFromScores, checkShift, trainCopy } from './distill';
import { OWNERSHIP_CHECKS, OwnershipCheck, OwnershipInputs, OwnershipVerdict } from './ownership';
import { Victim, onnxVictim } from './victim';

export interface ExtractionOptions {
  /** queries the attacker may spend */
  queries: number;
  labels: LabelKind;
  /** temperature of soft labels */
  temperature?: number;
  /** --arch: 'same', a zoo model name or an ONNX file */
  arch: string;
  /** training epochs (default: about 120k sample-steps, within [5, 50]) */
  epochs?: number;
  /** SGD learning rate (default 0.05 for hard labels, 0.05 / T for soft ones: the T²-scaled loss's gradients are up to T times larger) */
  lr?: number;
  /** random-shift augmentation of the copy's training images, in pixels (0 or absent: none) */
  shift?: number;
  seed: number;
  threads?: number;
  /** the attacker's inputs (their labels, when `poolLabelled`, only score how often the victim was right) */
  pool: LabelledData;
  /** whether `pool.labels` are true labels (default true) */
  poolLabelled?: boolean;
  /** indices of `pool` the attacker does not query (the owner's calibration and trigger base samples) */
  exclude?: { calibration: number[]; triggers: number[] };
  test: LabelledData;
  ownership: OwnershipInputs;
  checks?: OwnershipCheck[];
  log?: (line: string) => void;
}

export interface OwnershipRow {
  check: string;
  title: string;
  victim: OwnershipVerdict;
  copy: OwnershipVerdict;
}

export interface ExtractionReport {
  victim: {
    kind: Victim['kind'];
    name: string;
    lock?: Victim['lock'];
    /** test accuracy of the victim's answers (null: the board refuses further queries, its budget spent) */
    accuracy: number | null;
  };
  attacker: {
    architecture: string;
    params: number;
    labels: LabelKind;
    temperature?: number;
    queriesRequested: number;
    /** queries actually made (the budget, or the whole pool when it is smaller) */
    queries: number;
    /** queries the victim answered before it refused for good (a board's query budget): the copy learns from these */
    answered: number;
    /** the board's refusal that ended the queries ("E_DEVICE_QUERY_BUDGET: lifetime 300 of 300") */
    refusal?: string;
    /** samples the attacker could query after the exclusions */
    poolSize: number;
    /** samples not queried: the owner's calibration samples, and trigger base samples outside them */
    excluded: { calibration: number; triggers: number };
    epochs: number;
    lr: number;
    /** random-shift augmentation in pixels (0: none) */
    shift: number;
    seed: number;
  };
  /** fraction of the queries on which the victim's answer was the true label (null: the query data has no labels) */
  victimQueryAccuracy: number | null;
  testSamples: number;
  copy: {
    accuracy: number;
    /** fraction of the test samples on which the copy and the victim give the same label (null: victim refused) */
    agreement: number | null;
  };
  ownership: OwnershipRow[];
  /** the copy itself (an ONNX model of the attacker's architecture) */
  copyModel: Model;
  seconds: { queries: number; training: number; total: number };
}

/** Epochs for `n` queries: about 120k sample-steps, within [5, 50] (6,000 queries: 20; 60,000: 5). */
export function defaultEpochs(n: number): number {
  return Math.max(5, Math.min(50, Math.ceil(120000 / Math.max(1, n))));
}

/** A seeded random order of the indices 0..count−1 without the excluded ones (the attacker's query order). */
export function queryOrder(count: number, exclude: Iterable<number>, seed: number): Int32Array {
  const skip = new Set(exclude);
  const order = Int32Array.from({ length: count }, (_, i) => i).filter((i) => !skip.has(i));
  new Rng(seed).shuffle(order);
  return order;
}

/** The attacker's queries: a seeded random order of `pool` without the excluded indices, the first `n` of it. */
export function pickQueries(
  pool: LabelledData,
  n: number,
  exclude: Iterable<number>,
  seed: number,
): { x: Float32Array; labels: Uint8Array; count: number; available: number } {
  const order = queryOrder(pool.count, exclude, seed);
  const count = Math.min(n, order.length);
  const size = pool.x.length / pool.count;
  const x = new Float32Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x.set(pool.x.subarray(order[i] * size, (order[i] + 1) * size), i * size);
    labels[i] = pool.labels[order[i]];
  }
  return { x, labels, count, available: order.length };
}

function agreementOf(a: Int32Array, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}

export async function runExtraction(victim: Victim, o: ExtractionOptions): Promise<ExtractionReport> {
  const log = o.log ?? (() => undefined);
  if (!(Number.isInteger(o.queries) && o.queries >= 1))
    throw new EdgelockError('E_USAGE', `--queries must be a positive integer, got ${o.queries}`);
  const temperature = o.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new EdgelockError('E_USAGE', `--temperature must be a positive number, got ${o.temperature}`);
  const size = victim.sampleShape.reduce((a, b) => a * b, 1);
  for (const [what, d] of [
    ['query data', o.pool],
    ['test data', o.test],
  ] as const)
    if (d.count === 0 || d.x.length !== d.count * size)
      throw new EdgelockError(
        'E_DATA_SHAPE',
        `the ${what} holds ${d.count ? d.x.length / d.count : 0} values per sample; the victim takes ${size}`,
      );
  const arch = resolveArchitecture(o.arch, victim);
  checkShift(arch.model, o.shift ?? 0);
  const t0 = performance.now();

  const calibration = new Set(o.exclude?.calibration ?? []);
  const triggers = new Set((o.exclude?.triggers ?? []).filter((i) => !calibration.has(i)));
  const excluded = { calibration: calibration.size, triggers: triggers.size };
  const q = pickQueries(o.pool, o.queries, [...calibration, ...triggers], o.seed);
  log(`querying ${victim.name} with ${q.count} inputs (${o.labels} labels)`);
  let lastLog = 0;
  const progress = (done: number) => {
    if (performance.now() - lastLog < 5000 && done < q.count) return;
    lastLog = performance.now();
    log(`  ${done}/${q.count} queries answered`);
  };
  const got = victim.scoresUntilRefused
    ? await victim.scoresUntilRefused(q.x, q.count, progress)
    : { scores: await victim.scores(q.x, q.count, progress), answered: q.count, refusal: undefined };
  const n = got.answered;
  const refusal = got.refusal
    ? `${got.refusal.code}: ${got.refusal.kind} ${got.refusal.used} of ${got.refusal.limit}`
    : undefined;
  if (refusal) log(`the victim refused after ${n} answers (${refusal}); the copy learns from those`);
  const x = q.x.subarray(0, n * size);
  const answers = answersFromScores(got.scores, n, victim.classes, o.labels, temperature);
  const tQueries = performance.now();

  const epochs = o.epochs ?? defaultEpochs(n);
  const lr = o.lr ?? (o.labels === 'soft' ? 0.05 / temperature : 0.05);
  log(`training the copy (${arch.name}, ${arch.params} parameters) for ${epochs} epochs`);
  const copy = await trainCopy(arch.model, x, n, answers, {
    epochs,
    lr,
    shift: o.shift ?? 0,
    seed: o.seed,
    threads: o.threads,
    onProgress: (p) => {
      if (p.batch === p.batches) log(`  epoch ${p.epoch + 1}/${p.epochs}: loss ${p.loss.toFixed(4)}`);
    },
    // progress at the end of every epoch only
  });
  const tTrain = performance.now();

  // a runner that also answers scores: the response mark's scores statistic reads them (the checks run on a file)
  const copyRunner = await onnxVictim(writeOnnx(copy), 'the copy');
  try {
    const copyPred = await copyRunner.predict(o.test.x, o.test.count);
    // a board that refused for good answers nothing more: neither the test set nor the checks' queries
    let victimPred: Int32Array | null = null;
    if (!refusal) {
      log(`scoring the victim on ${o.test.count} test samples`);
      victimPred = argmaxRows(await victim.scores(o.test.x, o.test.count), o.test.count, victim.classes);
    }
    const refused: OwnershipVerdict = {
      status: 'skipped',
      evidence: '',
      reason: `the victim refuses queries (${refusal})`,
    };
    const ownership: OwnershipRow[] = [];
    for (const c of o.checks ?? OWNERSHIP_CHECKS) {
      log(`ownership check: ${c.title}`);
      ownership.push({
        check: c.name,
        title: c.title,
        victim: refusal ? refused : await c.check(victim, o.ownership),
        copy: await c.check(copyRunner, o.ownership),
      });
    }
    return {
      victim: {
        kind: victim.kind,
        name: victim.name,
        ...(victim.lock ? { lock: victim.lock } : {}),
        accuracy: victimPred ? agreementOf(victimPred, o.test.labels) : null,
      },
      attacker: {
        architecture: arch.name,
        params: arch.params,
        labels: o.labels,
        ...(o.labels === 'soft' ? { temperature } : {}),
        queriesRequested: o.queries,
        queries: q.count,
        answered: n,
        ...(refusal ? { refusal } : {}),
        poolSize: q.available,
        excluded,
        epochs,
        lr,
        shift: o.shift ?? 0,
        seed: o.seed,
      },
      victimQueryAccuracy:
        o.poolLabelled === false || n === 0 ? null : agreementOf(Int32Array.from(answers.labels), q.labels),
      testSamples: o.test.count,
      copy: {
        accuracy: agreementOf(copyPred, o.test.labels),
        agreement: victimPred ? agreementOf(copyPred, victimPred) : null,
      },
      ownership,
      copyModel: copy,
      seconds: {
        queries: (tQueries - t0) / 1000,
        training: (tTrain - tQueries) / 1000,
        total: (performance.now() - t0) / 1000,
      },
    };
  } finally {
    copyRunner.dispose();
  }
}
