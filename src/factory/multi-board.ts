/**
 * Runs one task per board concurrently and reports their progress: the engine behind
 * `provision`, `flash` and `verify` with several `--port`s.
 *
 * - every task runs at once (the boards are independent; each has its own serial port);
 * - a failure of one board (EdgelockError or anything else) is recorded as that board's outcome and
 *   never stops the others;
 * - output, by mode:
 *     --json        one JSON object per line per event on stdout, each with "port" and "event", and a
 *                   final {"port", "event": "result", "result"} or {"port", "event": "failed", "error"} per board;
 *     terminal      one progress bar per board (cli-progress MultiBar on stderr) fed by events carrying
 *                   done/total, then one final line per board on stdout;
 *     not a TTY     plain lines: each step event, progress at every quarter, one final line per board.
 * - `exitCodeFor(outcomes)` is the process exit code: 0 when every board succeeded, 1 otherwise.
 */
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { asEdgelockError, EdgelockError } from '../errors';

export interface BoardEvent {
  port: string;
  event: string;
  done?: number;
  total?: number;
  message?: string;
  [k: string]: unknown;
}

export type Emit = (e: {
  event: string;
  done?: number;
  total?: number;
  message?: string;
  [k: string]: unknown;
}) => void;

export interface BoardOutcome<R> {
  port: string;
  ok: boolean;
  result?: R;
  error?: { code: string; message: string };
}

/** Where output goes; tests pass their own streams, the CLI uses the process's. */
export interface OutputStreams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface RunOptions<R> {
  json: boolean;
  title: string;
  /** one-line description of a board's result for the final line (default: "ok") */
  summary?: (result: R) => string;
  /** override the streams (default process.stdout / process.stderr) */
  streams?: OutputStreams;
  /** override terminal detection (default: stdout and stderr are both TTYs) */
  tty?: boolean;
}

/** The renderer of one output mode. */
interface Reporter<R> {
  start(ports: string[]): void;
  event(e: BoardEvent): void;
  finish(o: BoardOutcome<R>): void;
  end(outcomes: BoardOutcome<R>[]): void;
}

function finalLine<R>(o: BoardOutcome<R>, summary: (r: R) => string): string {
  return o.ok ? `${o.port}: ok — ${summary(o.result as R)}` : `${o.port}: FAILED ${o.error!.code}: ${o.error!.message}`;
}

function totals<R>(title: string, outcomes: BoardOutcome<R>[]): string {
  const failed = outcomes.filter((o) => !o.ok).length;
  return `${title}: ${outcomes.length - failed} of ${outcomes.length} board${outcomes.length === 1 ? '' : 's'} succeeded${failed ? `, ${failed} failed` : ''}`;
}

class JsonReporter<R> implements Reporter<R> {
  constructor(private readonly out: NodeJS.WritableStream) {}
  private line(obj: Record<string, unknown>): void {
    this.out.write(JSON.stringify(obj) + '\n');
  }
  start(): void {}
  event(e: BoardEvent): void {
    this.line(e);
  }
  finish(o: BoardOutcome<R>): void {
    if (o.ok) this.line({ port: o.port, event: 'result', result: o.result });
    else this.line({ port: o.port, event: 'failed', error: o.error });
  }
  end(): void {}
}

class PlainReporter<R> implements Reporter<R> {
  /** last quarter (0..4) of progress printed per board and step */
  private readonly quarter = new Map<string, number>();
  constructor(
    private readonly s: OutputStreams,
    private readonly title: string,
    private readonly summary: (r: R) => string,
  ) {}
  start(ports: string[]): void {
    this.s.out.write(`${this.title}: ${ports.length} board${ports.length === 1 ? '' : 's'} (${ports.join(', ')})\n`);
  }
  event(e: BoardEvent): void {
    const msg = e.message ? ` ${e.message}` : '';
    if (typeof e.done === 'number' && typeof e.total === 'number' && e.total > 0) {
      const key = `${e.port}\0${e.event}`;
      const q = Math.floor((4 * Math.min(e.done, e.total)) / e.total);
      if ((this.quarter.get(key) ?? -1) >= q) return;
      this.quarter.set(key, q);
      this.s.out.write(`${e.port}: ${e.event} ${e.done}/${e.total} (${q * 25}%)${msg}\n`);
      return;
    }
    this.s.out.write(`${e.port}: ${e.event}${msg}\n`);
  }
  finish(o: BoardOutcome<R>): void {
    this.s.out.write(finalLine(o, this.summary) + '\n');
  }
  end(outcomes: BoardOutcome<R>[]): void {
    this.s.out.write(totals(this.title, outcomes) + '\n');
  }
}

class BarsReporter<R> implements Reporter<R> {
  private multi?: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private readonly finals: string[] = [];
  private width = 0;
  constructor(
    private readonly s: OutputStreams,
    private readonly title: string,
    private readonly summary: (r: R) => string,
  ) {}
  start(ports: string[]): void {
    this.width = Math.max(...ports.map((p) => p.length));
    this.s.out.write(`${this.title}: ${ports.length} board${ports.length === 1 ? '' : 's'}\n`);
    this.multi = new MultiBar(
      {
        stream: this.s.err,
        format: '{port} |{bar}| {percentage}% {step}',
        hideCursor: false,
        clearOnComplete: false,
        gracefulExit: false,
        barsize: 30,
      },
      Presets.shades_classic,
    );
    for (const p of ports) this.bars.set(p, this.multi.create(1, 0, { port: p.padEnd(this.width), step: 'starting' }));
  }
  event(e: BoardEvent): void {
    const bar = this.bars.get(e.port);
    if (!bar) return;
    const step = `${e.event}${e.message ? ` ${e.message}` : ''}`;
    if (typeof e.done === 'number' && typeof e.total === 'number' && e.total > 0) {
      bar.setTotal(e.total);
      bar.update(Math.min(e.done, e.total), { step });
    } else bar.update({ step });
  }
  finish(o: BoardOutcome<R>): void {
    const bar = this.bars.get(o.port);
    if (bar) {
      const total = bar.getTotal();
      bar.update(o.ok ? total : bar.getProgress() * total, { step: o.ok ? 'done' : `FAILED ${o.error!.code}` });
    }
    this.finals.push(finalLine(o, this.summary));
  }
  end(outcomes: BoardOutcome<R>[]): void {
    this.multi?.stop();
    this.s.out.write(this.finals.join('\n') + '\n' + totals(this.title, outcomes) + '\n');
  }
}

/** Rejects an empty or repeated port list (two tasks on one serial port would corrupt each other). */
export function checkPorts(ports: string[]): void {
  if (ports.length === 0) throw new EdgelockError('E_USAGE', 'no --port given (repeat --port for several boards)');
  const seen = new Set<string>();
  for (const p of ports) {
    if (seen.has(p)) throw new EdgelockError('E_USAGE', `port ${p} is given twice`);
    seen.add(p);
  }
}

function reporterFor<R>(opts: RunOptions<R>): Reporter<R> {
  const streams: OutputStreams = opts.streams ?? { out: process.stdout, err: process.stderr };
  const summary = opts.summary ?? (() => 'ok');
  if (opts.json) return new JsonReporter<R>(streams.out);
  const tty = opts.tty ?? Boolean(process.stdout.isTTY && process.stderr.isTTY);
  return tty ? new BarsReporter<R>(streams, opts.title, summary) : new PlainReporter<R>(streams, opts.title, summary);
}

/**
 * Runs `task(port, emit)` for every port at once and returns one outcome per port, in the order of `ports`.
 * Never rejects because of a task; rejects only for an invalid port list (E_USAGE).
 */
export async function runOnBoards<R>(
  ports: string[],
  task: (port: string, emit: Emit) => Promise<R>,
  opts: RunOptions<R>,
): Promise<BoardOutcome<R>[]> {
  checkPorts(ports);
  const reporter = reporterFor(opts);
  reporter.start(ports);
  const outcomes = await Promise.all(
    ports.map(async (port): Promise<BoardOutcome<R>> => {
      let finished = false;
      const emit: Emit = (e) => {
        if (finished) return;
        try {
          reporter.event(Object.assign({ port }, e, { port }) as BoardEvent);
        } catch {
          // a broken output stream must not fail the board's task
        }
      };
      let outcome: BoardOutcome<R>;
      try {
        outcome = { port, ok: true, result: await task(port, emit) };
      } catch (err) {
        const e = asEdgelockError(err);
        outcome = { port, ok: false, error: { code: e.code, message: e.message } };
      }
      finished = true;
      reporter.finish(outcome);
      return outcome;
    }),
  );
  reporter.end(outcomes);
  return outcomes;
}

/** 0 when every board succeeded, 1 when any failed (the CLI's exit code). */
export function exitCodeFor(outcomes: ReadonlyArray<BoardOutcome<unknown>>): number {
  return outcomes.length > 0 && outcomes.every((o) => o.ok) ? 0 : 1;
}
