/**
 * `edgelock device info --port <p> [--json]`  board, firmware, unique id, key provisioned, model slots (over the protocol)
 * `edgelock device load-dev --port <p> <model.tflite> [--slot <n>] [--json]`  development-only model upload
 *   (no authentication; the factory flow flashes signed packages instead)
 */
import { Command } from 'commander';
import { withDevice } from '../../device';
import { EdgelockError } from '../../errors';
import { readFileBytes } from '../../formats/load';
import { LIMITS } from '../../protocol/definition';
import { formatTable, humanBytes, printJson } from '../output';

function requirePort(port: string | undefined): string {
  if (!port) throw new EdgelockError('E_USAGE', 'missing --port <serial port> (see `edgelock board start`)');
  return port;
}

export function register(program: Command): Command {
  const device = program.command('device').description('talk to a board over its serial port');
  device
    .command('info')
    .description('board name, firmware version, unique id, key and model slots')
    .option('--port <path>', 'serial port of the board')
    .option('--json', 'print one JSON object')
    .action(async (f: { port?: string; json?: boolean }) => {
      const info = await withDevice(requirePort(f.port), (c) => c.info());
      if (f.json) {
        printJson(info);
        return;
      }
      const lines = [
        `board             ${info.board}`,
        `firmware          ${info.firmwareVersion} (protocol ${info.protocolVersion})`,
        `unique id         ${info.uid}`,
        `key provisioned   ${info.keyProvisioned ? 'yes' : 'no'}`,
        '',
        formatTable(['slot', 'state', 'size', 'sha256'], info.modelSlots.map((s) => [s.slot, s.state, s.state === 'empty' ? '-' : humanBytes(s.size), s.state === 'ready' ? s.sha256 : '-'])),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  device
    .command('load-dev <model>')
    .description('DEVELOPMENT ONLY: upload a compiled model into a slot without a package (no authentication)')
    .option('--port <path>', 'serial port of the board')
    .option('--slot <n>', `model slot (0..${LIMITS.modelSlots - 1})`, '0')
    .option('--json', 'print one JSON object')
    .action(async (model: string, f: { port?: string; slot: string; json?: boolean }) => {
      const slot = Number(f.slot);
      if (!Number.isInteger(slot) || slot < 0 || slot >= LIMITS.modelSlots) throw new EdgelockError('E_USAGE', `--slot must be 0..${LIMITS.modelSlots - 1}`);
      const bytes = Buffer.from(readFileBytes(model));
      const t0 = Date.now();
      const r = await withDevice(requirePort(f.port), (c) => c.loadModelDev(bytes, slot));
      const seconds = (Date.now() - t0) / 1000;
      if (f.json) printJson({ port: f.port, slot, bytes: bytes.length, sha256: r.sha256, chunks: r.chunks, seconds });
      else process.stdout.write(`loaded ${humanBytes(bytes.length)} into slot ${slot} in ${seconds.toFixed(1)} s (sha256 ${r.sha256}); development load, not authenticated\n`);
    });
  return device;
}
