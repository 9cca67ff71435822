import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';

const PG_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT = "the bench starts a PostgreSQL of its own from Debian's binaries: apt-get install -y postgresql";

/** The newest `/usr/lib/postgresql/<major>/bin` that holds a server. */
function binDir(): string {
  const majors = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(PG_ROOT, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server under ${PG_ROOT}; ${INSTALL_HINT}`);
  return join(PG_ROOT, majors[0], 'bin');
}

/** The version of the server binaries the bench would start, or why there are none. */
export function postgresVersion(): string {
  try {
    return execFileSync(join(binDir(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
  } catch (err) {
    return `not available (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** initdb and postgres refuse to run as root: then they run as Debian's `postgres` system user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) throw new Error(`running as root and there is no "postgres" user to run PostgreSQL as; ${INSTALL_HINT}`);
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The bench's own PostgreSQL: `initdb` into a temporary directory and `postgres` on a free loopback port, so no figure
 * depends on (or disturbs) a server the machine runs for something else. `fsync` is off, so that the figures measure
 * statements rather than this machine's disk; `synchronous_commit` stays on, as in production.
 */
export class PostgresServer {
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    readonly version: string,
    private readonly dir: string,
    private readonly postmaster: ChildProcess,
  ) {}

  static async start(): Promise<PostgresServer> {
    const bin = binDir();
    const user = serverUser();
    const as: SpawnOptions = user ? { uid: user.uid, gid: user.gid } : {};
    const dir = mkdtempSync(join(tmpdir(), 'ccbench-postgres-'));
    if (user) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    try {
      execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
        stdio: 'pipe',
        ...as,
      });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
    }
    const version = postgresVersion();
    const port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      // A socket directory of its own: never the machine's server's in /var/run/postgresql.
      unix_socket_directories: dir,
      fsync: 'off',
      full_page_writes: 'off',
      synchronous_commit: 'on',
      // Figure 15 runs five fleets of five processes side by side, each with a pool of its own.
      max_connections: '400',
      log_min_messages: 'fatal',
    };
    const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const postmaster = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...as });
    let stderr = '';
    postmaster.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const server = new PostgresServer(port, version, dir, postmaster);
    server.exited = new Promise((resolve) => postmaster.once('exit', () => resolve()));
    process.once('exit', () => server.kill());
    for (const deadline = Date.now() + 30_000; ; ) {
      if (postmaster.exitCode !== null || postmaster.signalCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`postgres exited at start: ${stderr}`);
      }
      if (await server.answers()) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`postgres on port ${port} did not accept connections within 30 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A connection string to `database` on this server (trust authentication, loopback only). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private async answers(): Promise<boolean> {
    const pool = new Pool({ connectionString: this.url(), max: 1, connectionTimeoutMillis: 1000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await pool.end();
    }
  }

  /** A fast shutdown (the server ends its sessions), then the directory goes. */
  async stop(): Promise<void> {
    if (this.postmaster.exitCode === null && this.postmaster.signalCode === null) {
      this.postmaster.kill('SIGINT');
      const timer = setTimeout(() => this.kill(), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the bench dies: nothing of it may outlive the run, its files neither. */
  private kill(): void {
    if (this.postmaster.exitCode === null && this.postmaster.signalCode === null) this.postmaster.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
