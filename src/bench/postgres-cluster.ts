/**
 * A real, throwaway PostgreSQL server for tests and the provisioning benchmark (no mocks): `initdb` in a fresh temporary directory, `pg_ctl`
 * on a free TCP port of 127.0.0.1 (trust authentication, listening nowhere else), stopped and deleted after.
 * PostgreSQL refuses to run as root: as root (CI), every server command runs as the `postgres` system user
 * that Debian's `postgresql` package creates (`runuser -u postgres --`); as anyone else, as that user.
 * Each test file (and the benchmark) starts its own server, so stopping or restarting it disturbs no one else.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

const SUPERUSER = 'edgelock';

/** The directory of the newest installed PostgreSQL's server binaries (Debian: /usr/lib/postgresql/<v>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL is not installed (Debian package `postgresql`; scripts/setup.sh installs it)');
  return path.join(root, versions[0], 'bin');
}

/** A free TCP port on 127.0.0.1 (asked of the kernel). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL server program, as the `postgres` user when we are root. */
function pgRun(bin: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0 && !opts.allowFail)
    throw new Error(`${path.basename(bin)} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export class TestPostgres {
  private running = false;
  private dbs = 0;

  private constructor(
    readonly bin: string,
    readonly root: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  /** Creates the cluster and starts the server. */
  static async start(): Promise<TestPostgres> {
    const bin = postgresBinDir();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-pg-'));
    fs.chmodSync(root, 0o755);
    const dataDir = path.join(root, 'data');
    if (asRoot()) {
      fs.mkdirSync(dataDir, { mode: 0o700 });
      execFileSync('chown', ['postgres:postgres', root, dataDir]);
    }
    pgRun(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const pg = new TestPostgres(bin, root, dataDir, await freePort());
    await pg.startServer();
    stopAtExit.add(pg);
    return pg;
  }

  /** A URL for database `db` on this server. */
  url(db = 'postgres'): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${db}`;
  }

  /** Creates a fresh, empty database and returns its URL. */
  async createDatabase(prefix = 'factory'): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.dbs}`;
    const c = new Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  /** Starts the server (waiting until it accepts connections). */
  async startServer(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.root} -c fsync=on -c max_connections=50`;
    pgRun(path.join(this.bin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.root, 'server.log'),
      '-o',
      opts,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    this.running = true;
  }

  /** Stops the server: `fast` ends every session at once (as an administrator's restart does). */
  stopServer(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!this.running) return;
    pgRun(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], {
      allowFail: true,
    });
    this.running = false;
  }

  /** pg_dump of a database as plain SQL text (everything the server would hand out). */
  dump(url: string): Buffer {
    const db = new URL(url).pathname.slice(1);
    return execFileSync(
      path.join(this.bin, 'pg_dump'),
      ['-h', '127.0.0.1', '-p', String(this.port), '-U', SUPERUSER, '--no-owner', db],
      { maxBuffer: 256 << 20 },
    );
  }

  /** Every file of the cluster's data directory (tables, indexes, WAL), concatenated. */
  rawFiles(): Buffer {
    const parts: Buffer[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) parts.push(fs.readFileSync(p));
      }
    };
    walk(this.dataDir);
    return Buffer.concat(parts);
  }

  /** Stops the server and deletes the cluster. */
  destroy(): void {
    this.stopServer('immediate');
    fs.rmSync(this.root, { recursive: true, force: true });
    stopAtExit.delete(this);
  }
}

/** Servers still running when the test process exits (a test that threw before afterAll) are stopped anyway. */
const stopAtExit = new Set<TestPostgres>();
process.once('exit', () => {
  for (const pg of stopAtExit) {
    try {
      pg.destroy();
    } catch {
      // best effort
    }
  }
});
