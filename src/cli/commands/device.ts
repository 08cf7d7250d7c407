/**
 * `edgelock device info --port <p> [--json]`  board, firmware, unique id, key provisioned, model slots (over the protocol)
 * `edgelock device load-dev --port <p> <model.tflite> [--slot <n>] [--json]`  development-only model upload
 *   (no authentication; the factory flow flashes signed packages instead)
 * `edgelock device run --port <p> --input <file.npy> [--slot <n>] [--json]`  runs the slot's model on the board:
 *   a float32 input is quantised with the model input's scale and zero point as the device reports them (MODEL_IO),
 *   an int8 input is sent as is; prints raw int8 and dequantised outputs and the invoke's cycle count.
 */
import { Command } from 'commander';
import { intRange } from '../option-parsers';
import { withDevice } from '../../device';
import { EdgelockError } from '../../errors';
import { readNpy } from '../../data/npy';
import type { RunResult } from '../../device/client';
import { decodeRunOutput, encodeRunInput } from '../../board/run-io';
import { readFileBytes } from '../../formats/load';
import { LIMITS } from '../../protocol/definition';
import { printJson } from '../output';
import { humanBytes } from '../../text/bytes';
import { formatTable } from '../../text/table';
import { queryStateLines } from '../../device/query-state-text';

const PORT_HELP = 'serial port of the board (see `edgelock board start`)';
const parseSlot = intRange(0, LIMITS.modelSlots - 1);

function runJson(r: RunResult): unknown {
  return {
    outputs: r.outputs.map((o) => {
      const d = decodeRunOutput(o);
      return {
        shape: o.shape,
        ...(d.int8 ? { int8: d.int8 } : { dtype: 'float32' }),
        values: d.values,
        scale: o.scale,
        zeroPoint: o.zeroPoint,
      };
    }),
    cycles: r.cycles,
  };
}

export function register(program: Command): Command {
  const device = program.command('device').description('talk to a board over its serial port');
  device
    .command('info')
    .description('board name, firmware version, unique id, key and model slots')
    .requiredOption('--port <path>', PORT_HELP)
    .option('--json', 'print one JSON object')
    .action(async (f: { port: string; json?: boolean }) => {
      const info = await withDevice(f.port, (c) => c.info());
      if (f.json) {
        printJson(info);
        return;
      }
      const flavour = info.firmware
        ? `, flavour ${info.firmware.flavour}` +
          (info.firmware.devUpload ? ' (development: accepts unauthenticated uploads)' : ' (production)')
        : '';
      const active = info.package?.activeSlot == null ? 'none' : `slot ${info.package.activeSlot}`;
      const lines = [
        `board             ${info.board}`,
        `firmware          ${info.firmwareVersion} (protocol ${info.protocolVersion})${flavour}`,
        `unique id         ${info.uid}`,
        `key provisioned   ${info.keyProvisioned ? 'yes' : 'no'}`,
        ...(info.package ? [`active package    ${active} (security counter ${info.package.securityCounter})`] : []),
        ...(info.queries ? queryStateLines(info.queries, info.package) : []),
        '',
        formatTable(
          ['slot', 'state', 'source', 'size', 'sha256'],
          info.modelSlots.map((s) => [
            s.slot,
            s.state,
            s.source === 'package' ? 'authenticated package' : (s.source ?? '-'),
            s.state === 'empty' ? '-' : humanBytes(s.size),
            s.state === 'ready' ? s.sha256 : '-',
          ]),
        ),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  device
    .command('load-dev <model>')
    .description(
      'DEVELOPMENT ONLY: upload a compiled model into a slot without a package (no authentication; only a board ' +
        'started with --flavour dev accepts it, and it never unseals a locked model)',
    )
    .requiredOption('--port <path>', PORT_HELP)
    .option('--slot <n>', `model slot (0..${LIMITS.modelSlots - 1})`, parseSlot, 0)
    .option('--json', 'print one JSON object')
    .action(async (model: string, f: { port: string; slot: number; json?: boolean }) => {
      const slot = f.slot;
      const bytes = Buffer.from(readFileBytes(model));
      const t0 = Date.now();
      const r = await withDevice(f.port, (c) => c.loadModelDev(bytes, slot));
      const seconds = (Date.now() - t0) / 1000;
      if (f.json) printJson({ port: f.port, slot, bytes: bytes.length, sha256: r.sha256, chunks: r.chunks, seconds });
      else
        process.stdout.write(
          `loaded ${humanBytes(bytes.length)} into slot ${slot} in ${seconds.toFixed(1)} s (sha256 ${r.sha256}); development load, not authenticated\n`,
        );
    });
  device
    .command('run')
    .description("run the slot's model once on the board: raw int8 and dequantised outputs, cycles of the invoke")
    .requiredOption('--port <path>', PORT_HELP)
    .requiredOption(
      '--input <file.npy>',
      'input tensor: float32 (quantised with the model input scale/zero point) or int8',
    )
    .option(
      '--slot <n>',
      `model slot (0..${LIMITS.modelSlots - 1}; default: the active package's slot, else 0)`,
      parseSlot,
    )
    .option('--json', 'print {outputs:[{shape,int8,values,scale,zeroPoint}], cycles}')
    .action(async (f: { port: string; input: string; slot?: number; json?: boolean }) => {
      const file = f.input;
      const r = await withDevice(f.port, async (c) => {
        const slot = f.slot ?? (await c.info()).package?.activeSlot ?? 0;
        const io = await c.modelIo(slot);
        if (io.inputs.length !== 1)
          throw new EdgelockError(
            'E_USAGE',
            `the model in slot ${slot} has ${io.inputs.length} inputs; device run feeds one`,
          );
        return c.run(slot, encodeRunInput(readNpy(file), io.inputs[0], file));
      });
      const out = runJson(r) as {
        outputs: { shape: number[]; int8?: number[]; values: number[]; scale: number; zeroPoint: number }[];
        cycles: number;
      };
      if (f.json) {
        printJson(out);
        return;
      }
      const lines = out.outputs.flatMap((o, i) => [
        `output ${i}  shape [${o.shape.join(', ')}]  ${o.int8 ? `scale ${o.scale}  zero point ${o.zeroPoint}` : 'float32'}`,
        ...(o.int8 ? [`  int8    ${o.int8.join(' ')}`] : []),
        `  values  ${o.values.map((v) => Number(v.toPrecision(6))).join(' ')}`,
      ]);
      lines.push(`cycles    ${out.cycles}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
  return device;
}
