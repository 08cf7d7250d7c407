/**
 * On-device evidence for a report: for each board, what it is (uid, firmware), whether it is genuine
 * and runs this very artefact (attestation with the master key; the active package's hash against the
 * artefact's), and the work of one inference (the board's counter: on QEMU SysTick ticks under
 * `-icount shift=0`, 40 instructions per tick; on host-sim nanoseconds) over a few labelled samples.
 */
import { BOARDS } from '../board/boards';
import { withDevice } from '../device/client';
import { argmax, LabelledSet } from '../eval/labelled-data';
import { attest } from '../factory/attest';
import { quantizeAffine, toModelLayout } from '../tflite/affine';
import { ArtefactFacts } from './artefact';

export interface BoardEvidence {
  port: string;
  board: string;
  uid: string;
  firmware: string;
  genuineDevice?: boolean;
  /** the board's active package is this artefact (a package) */
  runsArtefact?: boolean;
  activeSlot: number | null;
  runs: number;
  correct: number;
  /** counter units per inference (median over the runs) */
  counterPerInference: number | null;
  counterUnit: 'instructions' | 'ns';
  /** MACs of the model, for instructions per MAC */
  macs?: number;
  error?: string;
}

/** Counter units per inference → instructions where the board's counter counts them (QEMU), else as is (ns). */
export function counterToWork(board: string, counter: number): { value: number; unit: 'instructions' | 'ns' } {
  const perTick = BOARDS.find((b) => b.name === board)?.instructionsPerTick;
  return perTick ? { value: counter * perTick, unit: 'instructions' } : { value: counter, unit: 'ns' };
}

export async function measureBoard(
  port: string,
  facts: ArtefactFacts,
  test: LabelledSet | null,
  runs: number,
  master?: Uint8Array,
): Promise<BoardEvidence> {
  return withDevice(port, async (client) => {
    const info = await client.info();
    const ev: BoardEvidence = {
      port,
      board: info.board,
      uid: info.uid,
      firmware: info.firmwareVersion,
      activeSlot: info.package?.activeSlot ?? null,
      runs: 0,
      correct: 0,
      counterPerInference: null,
      counterUnit: counterToWork(info.board, 0).unit,
      ...(facts.macs !== undefined ? { macs: facts.macs } : {}),
    };
    if (master) {
      const a = await attest(client, master);
      ev.genuineDevice = a.genuineDevice;
      if (facts.package) ev.runsArtefact = a.genuineModel && a.packageSha256 === facts.package.sha256;
    }
    if (ev.activeSlot === null || !test || runs <= 0) return ev;
    try {
      const io = await client.modelIo(ev.activeSlot);
      const input = io.inputs[0];
      const size = test.sampleShape.reduce((a, b) => a * b, 1);
      const counts: number[] = [];
      for (let i = 0; i < Math.min(runs, test.count); i++) {
        const q = Int8Array.from(
          quantizeAffine(
            toModelLayout(test.x.subarray(i * size, (i + 1) * size), test.sampleShape, input.shape),
            input.scale,
            input.zeroPoint,
          ),
        );
        const r = await client.run(ev.activeSlot, q);
        counts.push(counterToWork(info.board, r.cycles).value);
        if (argmax(r.outputs[0].int8) === test.labels[i]) ev.correct++;
        ev.runs++;
      }
      counts.sort((a, b) => a - b);
      ev.counterPerInference = counts[counts.length >> 1];
    } catch (e) {
      ev.error = (e as Error).message;
    }
    return ev;
  });
}
