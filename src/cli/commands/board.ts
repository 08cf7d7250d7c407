/**
 * `edgelock board start [--board <name>] [--state <dir>] [--flavour <list>] [--json]`  builds the firmware if needed, starts the board
 *   in the background and prints its serial port (--json: {"board","port","pid"}).
 * `edgelock board stop <pid|port> [--json]`
 * `edgelock board list [--json]`
 */
import { Command } from 'commander';
import { BOARDS, BUILD_FLAVOURS, DEFAULT_BOARD, flavourName, listBoards, startBoard, stopBoard } from '../../board';
import { printJson } from '../output';
import { formatTable } from '../../text/table';

interface StartFlags {
  board: string;
  state?: string;
  flavour: string;
  json?: boolean;
}

export function register(program: Command): Command {
  const board = program
    .command('board')
    .description('start and stop emulated boards (QEMU Cortex-M4, host simulation)');
  board
    .command('start')
    .description('build the firmware if needed and start a board in the background; prints its serial port')
    .option('--board <name>', `one of ${BOARDS.map((b) => b.name).join(', ')}`, DEFAULT_BOARD)
    .option('--state <dir>', "directory keeping the board's persistent state (key store, model slots, unique id)")
    .option(
      '--flavour <name>',
      `firmware build flavour, comma-separated: ${Object.keys(BUILD_FLAVOURS).join(', ')} (single-rounding: ` +
        `int8 outputs bit-exact with the desktop TFLite runtime; dev: adds the development model upload, ` +
        `device load-dev; without it the firmware is a production build)`,
      'default',
    )
    .option('--json', 'print {"board","port","pid"}')
    .action(async (f: StartFlags) => {
      const b = await startBoard({ board: f.board, stateDir: f.state, flavour: f.flavour });
      const flavour = flavourName(f.flavour);
      if (f.json) printJson({ board: b.board, port: b.port, pid: b.pid, state: b.stateDir, flavour });
      else
        process.stdout.write(
          `${b.board} running (${flavour} firmware): port ${b.port}  pid ${b.pid}  state ${b.stateDir}\n`,
        );
    });
  board
    .command('stop <pidOrPort>')
    .description('stop a board started with `board start`, by pid or serial port')
    .option('--json', 'print {"board","port","pid"}')
    .action(async (key: string, f: { json?: boolean }) => {
      const b = await stopBoard(key);
      if (f.json) printJson({ board: b.board, port: b.port, pid: b.pid, stopped: true });
      else process.stdout.write(`${b.board} stopped (pid ${b.pid}, port ${b.port})\n`);
    });
  board
    .command('list')
    .description('list running boards')
    .option('--json', 'print one JSON array')
    .action((f: { json?: boolean }) => {
      const boards = listBoards();
      if (f.json)
        printJson(
          boards.map((b) => ({ board: b.board, port: b.port, pid: b.pid, state: b.stateDir, started: b.started })),
        );
      else if (boards.length === 0) process.stdout.write('no boards running\n');
      else
        process.stdout.write(
          formatTable(
            ['board', 'port', 'pid', 'state'],
            boards.map((b) => [b.board, b.port, b.pid, b.stateDir]),
          ) + '\n',
        );
    });
  return board;
}
