/**
 * Extraction accuracy versus query budget (docs/security.md, "Query limits"): a board runs the victim from a package
 * with `--max-queries <budget>`; the attacker queries it on its own unlabelled pool until the board refuses, and
 * distils a fresh copy of the victim's architecture from the labels it got. One package per budget, each with the
 * next security counter (a higher counter is what gives a board a new lifetime budget). Also one package without
 * limits as the reference: the attacker then gets the whole pool.
 */
import { DeviceClient } from '../device/client';
import { flashPackage } from '../factory/flash';
import { Model } from '../ir/types';
import { buildPackage } from '../package/build';
import { LabelledData, accuracy } from '../train/fit';
import { trainableFromModel } from '../train/from-model';
import { queryUntilRefused } from '../attack/budgeted-board';
import { distillCopy } from '../attack/distill';

export interface BudgetRow {
  /** the package's lifetime budget; null: no limits */
  budget: number | null;
  /** queries the attacker asked and the board answered */
  asked: number;
  answered: number;
  /** the refusal code that ended the attack, if any */
  refusal: string | null;
  /** epochs the copy was trained for */
  epochs: number;
  /** the copy's accuracy on the test set */
  copyAccuracy: number;
  seconds: number;
}

export interface BudgetExperiment {
  client: DeviceClient;
  master: Uint8Array;
  deviceUid: Uint8Array;
  /** the deployed .tflite and its float source architecture (the attacker's architecture: same as the victim's) */
  tflite: Uint8Array;
  architecture: Model;
  /** the attacker's pool (its true labels only measure the victim's agreement) and the test set */
  pool: LabelledData;
  test: LabelledData;
  budgets: (number | null)[];
  /** each copy sees about this many training samples (epochs = max(minEpochs, ceil(samplesSeen / answered))) */
  samplesSeen: number;
  minEpochs: number;
  maxEpochs: number;
  seed: number;
  threads?: number;
  /** security counter of the first package (each further one +1) */
  firstCounter?: number;
  log?: (line: string) => void;
}

export async function extractionVersusBudget(e: BudgetExperiment): Promise<BudgetRow[]> {
  const rows: BudgetRow[] = [];
  let counter = e.firstCounter ?? 1;
  for (const budget of e.budgets) {
    const t0 = Date.now();
    const pkg = buildPackage(e.tflite, {
      master: e.master,
      deviceUid: e.deviceUid,
      version: `1.0.${counter}`,
      securityCounter: counter,
      queryLimits: budget === null ? undefined : { lifetime: budget, perBoot: 0, rateCount: 0, rateWindowMs: 0 },
    }).bytes;
    counter++;
    const { slot } = await flashPackage(e.client, pkg);
    // the attacker asks for the whole pool; the board answers what the budget allows
    const q = await queryUntilRefused(e.client, slot, e.pool.x, e.pool.count);
    const epochs = Math.min(
      e.maxEpochs,
      Math.max(e.minEpochs, Math.ceil(e.samplesSeen / Math.max(1, q.labels.length))),
    );
    const r = await distillCopy(async () => q.labels, e.architecture, e.pool, {
      queries: e.pool.count,
      epochs,
      seed: e.seed,
      threads: e.threads,
    });
    const copyAccuracy = accuracy(trainableFromModel(r.copy).net, e.test);
    const row: BudgetRow = {
      budget,
      asked: e.pool.count,
      answered: r.queries,
      refusal: q.refusal?.code ?? null,
      epochs,
      copyAccuracy,
      seconds: (Date.now() - t0) / 1000,
    };
    e.log?.(
      `budget ${budget ?? 'none'}: ${row.answered}/${row.asked} ` +
        `answered${row.refusal ? ` (then ${row.refusal})` : ''}, copy ${(100 * copyAccuracy).toFixed(2)}% ` +
        `after ${epochs} epochs, ${row.seconds.toFixed(0)} s`,
    );
    rows.push(row);
  }
  return rows;
}
