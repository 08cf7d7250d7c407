/**
 * The factory half of the main job, on emulated boards over their serial ports: start two boards (plus a third
 * that is never provisioned) → provision the two (device keys derived from the master key, written once,
 * checked by key-check value, logged in a SQLite factory database) → package the compiled model for each
 * board (HMAC under its device key; the per-model lock key wrapped to it) → flash both concurrently → verify
 * (attestation + the owner watermark run on the board) → run MNIST test images on each board against the TFLite
 * runtime → and show that a copy of a package does not run on the unprovisioned board.
 */
import { mkdirSync, rmSync } from 'fs';
import { join } from 'path';
import { startBoard, stopBoard } from '../board';
import { RunningBoard } from '../board/registry';
import { DeviceClient, withDevice } from '../device/client';
import { isEdgelockError } from '../errors';
import { LabelledSet, argmax } from '../eval/labelled-data';
import { FactoryDb } from '../factory/db';
import { flashPort } from '../factory/flash';
import { BoardOutcome, OutputStreams, runOnBoards } from '../factory/multi-board';
import { defaultOperator, provision } from '../factory/provision';
import { recordPackageTrace } from '../factory/trace-log';
import { decodePackage } from '../package/decode';
import { Verdict, verifyBoard } from '../factory/verify-board';
import { writeFileAtomic } from '../formats/atomic-write';
import { buildPackage } from '../package/build';
import { TfliteOracle } from '../tflite/oracle';
import { unsealTflite } from '../lock/tflite-lock';
import { readTflite } from '../tflite/reader';
import { quantizeAffine, toModelLayout } from '../tflite/affine';
import { recordedInputLayouts } from '../tflite/provenance';
import { humanBytes } from '../text/bytes';
import { WatermarkRecord } from '../watermark/metadata';
import { traceBoard } from './trace-step';
import { namedBoards } from '../trace/trace';
import { pFromLog10 } from '../text/p-value';

export interface FactoryChainInput {
  outDir: string;
  board: string;
  master: Buffer;
  tflite: Uint8Array;
  record: WatermarkRecord;
  ownerId: string;
  ownerSignature: Uint8Array;
  /** the watermark's base data (the training set it was embedded with) */
  base: LabelledSet;
  /** images run on each board */
  runs: LabelledSet;
  streams: OutputStreams;
  json: boolean;
  log: (line: string) => void;
  row: (step: string, result: string) => void;
}

export interface BoardSummary {
  name: string;
  port: string;
  uid: string;
  provisioned: boolean;
  flash?: string;
  verdict?: string;
  watermarkP?: number;
  /** images whose on-board output equals the TFLite runtime's (unlocked model) bit for bit */
  exact?: number;
  /** images whose on-board arg-max equals the TFLite runtime's */
  sameTop1?: number;
  /** largest difference of an on-board int8 output from the runtime's, in quantisation steps */
  maxSteps?: number;
  correct?: number;
  runs?: number;
  /** the board's counter for one inference (QEMU: SysTick ticks, 40 instructions each; host-sim: ns) */
  cycles?: number;
  refused?: string;
  /** board B only: asked black-box over its port which board it is (trace-step.ts) */
  traced?: {
    /** the boards named, by the trace code or by the trigger units */
    named: string[];
    queries: number;
    codeZ: number;
    /** the trigger units' votes for the best board, of how many stamped decisions, and its family p-value */
    units?: { votes: number; of: number; log10P: number };
  };
}

export interface FactoryChainResult {
  boards: BoardSummary[];
}

function failures<R>(outcomes: BoardOutcome<R>[]): string {
  return outcomes
    .filter((o) => !o.ok)
    .map((o) => `${o.port}: ${o.error?.code} ${o.error?.message}`)
    .join('; ');
}

interface RunTally {
  exact: number;
  sameTop1: number;
  maxSteps: number;
  correct: number;
  cycles: number;
}

async function runImages(
  client: DeviceClient,
  slot: number,
  oracle: TfliteOracle,
  set: LabelledSet,
  layout: string | undefined,
): Promise<RunTally> {
  const io = await client.modelIo(slot);
  const input = io.inputs[0];
  const size = set.sampleShape.reduce((a, b) => a * b, 1);
  const t: RunTally = { exact: 0, sameTop1: 0, maxSteps: 0, correct: 0, cycles: 0 };
  for (let i = 0; i < set.count; i++) {
    const q = Int8Array.from(
      quantizeAffine(
        toModelLayout(set.x.subarray(i * size, (i + 1) * size), set.sampleShape, input.shape, layout),
        input.scale,
        input.zeroPoint,
      ),
    );
    const r = await client.run(slot, q);
    const got = Array.from(r.outputs[0].int8);
    const [ref] = oracle.run([{ data: Int32Array.from(q), shape: input.shape }]);
    const steps = Math.max(...got.map((v, k) => Math.abs(v - ref.data[k])));
    if (steps === 0) t.exact++;
    t.maxSteps = Math.max(t.maxSteps, steps);
    if (argmax(got) === argmax(ref.data)) t.sameTop1++;
    if (argmax(got) === set.labels[i]) t.correct++;
    t.cycles = r.cycles;
  }
  return t;
}

export async function runFactoryChain(c: FactoryChainInput): Promise<FactoryChainResult> {
  const { log, row } = c;
  const boardsDir = join(c.outDir, 'boards');
  rmSync(boardsDir, { recursive: true, force: true });
  const dbFile = join(c.outDir, 'factory.db');
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
  const names = ['board-a', 'board-b', 'board-c'];
  const started: RunningBoard[] = [];
  try {
    for (const name of names) {
      mkdirSync(join(boardsDir, name), { recursive: true });
      started.push(await startBoard({ board: c.board, stateDir: join(boardsDir, name) }));
    }
    const [a, b, spare] = started;
    const summaries: BoardSummary[] = started.map((s, i) => ({
      name: names[i],
      port: s.port,
      uid: '',
      provisioned: i < 2,
    }));
    log(`boards    ${started.map((s, i) => `${names[i]} ${s.board} on ${s.port}`).join(', ')}`);
    row('start boards', `${started.length} × ${c.board} (${names[2]} is never provisioned)`);

    // provision the two production boards, concurrently
    const db = await FactoryDb.open(dbFile);
    let provisioned;
    try {
      provisioned = await provision({
        ports: [a.port, b.port],
        master: c.master,
        db,
        station: 'demo',
        yes: true,
        json: c.json,
        streams: c.streams,
      });
    } finally {
      await db.close();
    }
    if (provisioned.some((o) => !o.ok)) throw new Error(`provisioning failed: ${failures(provisioned)}`);
    provisioned.forEach((o, i) => (summaries[i].uid = o.result!.uid));
    row(
      'provision',
      `${provisioned.map((o, i) => `${names[i]} uid ${o.result!.uid}: ${o.result!.outcome} (device key id ${o.result!.keyId})`).join('; ')}; log in ${dbFile}`,
    );

    // one package per board: authenticated for that board only, its model marked with the board's trace code
    const traceDb = await FactoryDb.open(dbFile);
    const packages: Array<{ file: string; bytes: Buffer; codeId: string }> = [];
    try {
      for (const [i, o] of provisioned.entries()) {
        const pkg = buildPackage(c.tflite, {
          master: c.master,
          deviceUid: Buffer.from(o.result!.uid, 'hex'),
          version: '1.0.0',
          securityCounter: 1,
          trace: true,
        });
        const decoded = decodePackage(pkg.bytes);
        await recordPackageTrace(traceDb, pkg, {
          master: c.master,
          uid: decoded.deviceUid,
          packageSha256: decoded.sha256,
          station: 'demo',
          operator: defaultOperator(),
        });
        const file = join(c.outDir, `${names[i]}.elp`);
        writeFileAtomic(file, pkg.bytes);
        packages.push({ file, bytes: pkg.bytes, codeId: pkg.trace!.codeId });
      }
    } finally {
      await traceDb.close();
    }
    row(
      'package',
      `${packages.map((p, i) => `${names[i]}.elp ${humanBytes(p.bytes.length)} (trace code ${p.codeId})`).join(', ')}: ` +
        `version 1.0.0, security counter 1, HMAC-SHA256 per device, model key wrapped per device, per-board ` +
        `trace code logged by id`,
    );

    // flash concurrently
    const flashed = await runOnBoards(
      [a.port, b.port],
      (port, emit) => flashPort(port, packages[port === a.port ? 0 : 1].bytes, emit),
      {
        json: c.json,
        title: 'flash',
        streams: c.streams,
        summary: (r) =>
          `${r.skipped ? 'already active (skipped)' : `flashed ${humanBytes(r.bytes)} in ${r.seconds.toFixed(1)} s`}`,
      },
    );
    if (flashed.some((o) => !o.ok)) throw new Error(`flashing failed: ${failures(flashed)}`);
    flashed.forEach(
      (o, i) =>
        (summaries[i].flash = o.result!.skipped
          ? 'skipped (identical package active)'
          : `${humanBytes(o.result!.bytes)} in ${o.result!.seconds.toFixed(1)} s`),
    );
    row('flash', flashed.map((o, i) => `${names[i]}: ${summaries[i].flash}`).join('; '));

    // verify: attestation + owner watermark on the board
    const owner = {
      owner: c.ownerId,
      signature: c.ownerSignature,
      record: c.record,
      base: { data: c.base.x, labels: c.base.labels, count: c.base.count },
      nullRate: 1 / c.record.classes,
      nullSource: '1/C',
      alpha: 1e-3,
    };
    const verified = await runOnBoards(
      [a.port, b.port],
      (port, emit) => withDevice(port, (client) => verifyBoard(client, c.master, owner, emit)),
      {
        json: c.json,
        title: 'verify',
        streams: c.streams,
        summary: (v: Verdict) => v.verdict,
      },
    );
    verified.forEach((o, i) => {
      const v = o.result;
      summaries[i].verdict = v ? v.verdict : `FAILED ${o.error?.code}`;
      summaries[i].watermarkP = v?.watermark?.pValue;
    });
    if (verified.some((o) => !o.ok)) throw new Error(`verification failed: ${failures(verified)}`);
    row(
      'verify',
      verified
        .map(
          (o, i) =>
            `${names[i]}: device genuine, model genuine (v${o.result!.version}), ` +
            `watermark ${o.result!.watermark!.matches}/${o.result!.watermark!.triggers} ` +
            `p=${o.result!.watermark!.pValue.toExponential(1)}`,
        )
        .join('; '),
    );

    // inferences on both boards against the TFLite runtime on the unlocked model of each board's package (its
    // weights carry that board's trace code)
    for (let i = 0; i < 2; i++) {
      const plain = unsealTflite(decodePackage(packages[i].bytes).model, { master: c.master });
      const oracle = await TfliteOracle.load(plain);
      const layout = recordedInputLayouts(readTflite(plain).metadata)?.[0];
      try {
        const r = await withDevice(started[i].port, async (client) => {
          const info = await client.info();
          return runImages(client, info.package!.activeSlot!, oracle, c.runs, layout);
        });
        Object.assign(summaries[i], {
          exact: r.exact,
          sameTop1: r.sameTop1,
          maxSteps: r.maxSteps,
          correct: r.correct,
          runs: c.runs.count,
          cycles: r.cycles,
        });
        log(
          `run       ${names[i]}: ${r.correct}/${c.runs.count} correct; vs the TFLite runtime: same ` +
            `class ${r.sameTop1}/${c.runs.count}, identical outputs ${r.exact}/${c.runs.count}, ` +
            `max ${r.maxSteps} step(s); ${r.cycles} cycles per inference`,
        );
      } finally {
        oracle.dispose();
      }
    }
    row(
      'run',
      [0, 1]
        .map(
          (i) =>
            `${names[i]}: ${summaries[i].correct}/${c.runs.count} correct, class = TFLite ` +
            `runtime ${summaries[i].sameTop1}/${c.runs.count} (outputs within ${summaries[i].maxSteps} step)`,
        )
        .join('; '),
    );

    // board B asked, black-box over its serial port, which board its model came from: as a competitor's device
    // running a copy would be asked
    const t = await traceBoard({ base: c.tflite, master: c.master, dbFile, port: started[1].port });
    const traced = namedBoards(t);
    summaries[1].traced = {
      named: traced,
      queries: t.queries ?? 0,
      codeZ: t.best.z,
      ...(t.units ? { units: { votes: t.units.matches, of: t.units.of, log10P: t.units.log10P } } : {}),
    };
    const nameOf = (uid: string) => names[summaries.findIndex((s) => s.uid === uid)] ?? uid;
    const unitsText = t.units
      ? `; trigger units: ${t.units.matches}/${t.units.of} stamped decisions on ${nameOf(t.units.uid)}'s classes ` +
        `(p ${pFromLog10(t.units.log10P)})`
      : '';
    const tracedText = traced.length ? `names ${traced.map(nameOf).join(', ')}` : 'names no board';
    log(
      `trace     ${names[1]} asked over its port (${t.queries} queries): ${tracedText}; ` +
        `trace code z = ${t.best.z.toFixed(1)} for ${nameOf(t.best.uid)}${unitsText}`,
    );
    row(
      'trace',
      `${names[1]} asked black-box over its port, ${t.queries} queries: ${tracedText} among the ` +
        `${t.candidates} boards in the factory log (trace code z = ${t.best.z.toFixed(1)}${unitsText})`,
    );

    // a copy of board A's package on the unprovisioned board
    const spareInfo = await withDevice(spare.port, (client) => client.info());
    summaries[2].uid = spareInfo.uid;
    try {
      await flashPort(spare.port, packages[0].bytes);
      summaries[2].refused = 'NOT refused';
    } catch (e) {
      if (!isEdgelockError(e)) throw e;
      summaries[2].refused = `${e.code}: ${e.message}`;
    }
    log(`copy      ${names[0]}.elp on ${names[2]} (unprovisioned): ${summaries[2].refused}`);
    row(
      'copy on an unprovisioned board',
      `${names[0]}.elp flashed to ${names[2]}: refused (${summaries[2].refused.split(':')[0]}); nothing runs there`,
    );
    return { boards: summaries };
  } finally {
    for (const s of started) await stopBoard(s.pid).catch(() => undefined);
  }
}
