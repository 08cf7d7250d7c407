/**
 * `edgelock verify --port <p>... --key <master> [--json]`  checks boards concurrently: genuine device
 * (challenge-response attestation under the device key derived from the master key), genuine model (an
 * authenticated package is active: the board activates nothing else), with its version and security counter.
 * Exit code 1 when any board fails a check.
 */
import { Command } from 'commander';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { Attestation, attest } from '../../factory/attest';
import { collectPorts, exitCodeFor, runOnBoards } from '../../factory/multi-board';
import { readKeyFile } from '../../keys/key-file';

interface Flags {
  port: string[];
  key?: string;
  json?: boolean;
}

export interface Verdict extends Attestation {
  verdict: 'genuine' | 'not genuine';
}

function summary(v: Verdict): string {
  return `device ${v.uid}: device ${v.genuineDevice ? 'genuine' : 'NOT genuine'}, model ${v.genuineModel ? `genuine (version ${v.version}, counter ${v.securityCounter}, package ${v.packageSha256!.slice(0, 16)}…)` : 'NOT genuine'}` +
    (v.reason ? ` — ${v.reason}` : '');
}

export function register(program: Command): Command {
  return program
    .command('verify')
    .description('check boards: genuine device (attestation), genuine model (active authenticated package), version and counter')
    .option('--port <path>', 'serial port of a board (repeat for several boards, checked concurrently)', collectPorts, [])
    .option('--key <keyfile>', 'the vendor master key the boards were provisioned from')
    .option('--json', 'one JSON object per line per event')
    .action(async (f: Flags) => {
      if (f.port.length === 0) throw new EdgelockError('E_USAGE', 'missing --port <serial port> (repeat it for several boards)');
      if (!f.key) throw new EdgelockError('E_USAGE', 'missing --key <master keyfile>');
      const master = readKeyFile(f.key);
      try {
        const outcomes = await runOnBoards(f.port, async (port, emit): Promise<Verdict> => {
          emit({ event: 'attest', message: 'challenge-response with a fresh nonce' });
          const a = await withDevice(port, (c) => attest(c, master));
          const v: Verdict = { ...a, verdict: a.genuineDevice && a.genuineModel ? 'genuine' : 'not genuine' };
          if (v.verdict !== 'genuine') throw Object.assign(new EdgelockError('E_VERIFY_FAILED', summary(v)), { verdict: v });
          return v;
        }, { json: Boolean(f.json), title: 'verify', summary });
        process.exitCode = exitCodeFor(outcomes);
      } finally {
        master.fill(0);
      }
    });
}
