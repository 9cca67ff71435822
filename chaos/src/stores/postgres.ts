import { execFile, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { freePort, sleep } from '../lib/net';
import { spawnServer, whenAnswering } from './server-process';
import { type LaunchOptions, type RestartMode, type StoreConnection, type StoreKind, type StoreServer } from './store';

const run = promisify(execFile);
const INSTALL =
  "install PostgreSQL's server binaries (Debian: sudo apt-get install postgresql, or sudo bash scripts/setup-services.sh), " +
  'or name their folder with CHAOS_POSTGRES_BIN=/usr/lib/postgresql/<major>/bin';
/** How long a (re)started server may take to accept connections (a crash restart replays its WAL first). */
const READY_WITHIN_MS = 20_000;
/** `pg_ctl stop` modes: `immediate` is a crash (no checkpoint, the next start replays the WAL); `fast` is clean. */
const STOP_MODE: Record<RestartMode, { mode: string; signal: 'SIGQUIT' | 'SIGINT' }> = {
  crash: { mode: 'immediate', signal: 'SIGQUIT' },
  clean: { mode: 'fast', signal: 'SIGINT' },
};

/** The folder of `initdb`, `postgres` and `pg_ctl`: CHAOS_POSTGRES_BIN, else Debian's newest major, else none. */
function binDir(): string | undefined {
  const named = process.env.CHAOS_POSTGRES_BIN;
  if (named) return existsSync(join(named, 'postgres')) ? named : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const major = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return major === undefined ? undefined : join(root, major, 'bin');
}

/**
 * `initdb` and `postgres` refuse to run as root: as root, they run as the `postgres` system user that Debian's
 * package creates, which is then given the data directory.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) return undefined;
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The processes the postmaster started (backends, checkpointer, WAL writer…), read from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name sits in parentheses and may hold spaces; the parent pid is the second field after it.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * A PostgreSQL of the run's own: `initdb` into the run's temp directory, `postgres` on a free loopback port. Quick on
 * disk (`fsync=off`: an OS crash could lose data, which no fault here is) but durable against a crash of the server
 * itself: `synchronous_commit=on` puts every committed claim in the WAL before the client hears of it, and a server
 * stopped with `pg_ctl stop -m immediate` replays it at the next start.
 */
class PostgresServer implements StoreServer {
  readonly address: string;
  readonly label: string;
  /** A crash of the server process forgets nothing that was committed. */
  readonly crashLossMs = 0;
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  private paused = false;

  constructor(
    private readonly bin: string,
    private readonly port: number,
    private readonly options: LaunchOptions,
    private readonly user: { uid: number; gid: number } | undefined,
    serverVersion: string,
  ) {
    this.address = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.label = `${serverVersion} on 127.0.0.1:${port} (fsync off, synchronous_commit on)`;
  }

  private get dataDir(): string {
    return join(this.options.dir, 'data');
  }

  private as(): { uid?: number; gid?: number } {
    return this.user ?? {};
  }

  async init(): Promise<void> {
    if (this.user) chownSync(this.options.dir, this.user.uid, this.user.gid);
    const args = ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'];
    await run(join(this.bin, 'initdb'), args, this.as());
  }

  async start(): Promise<void> {
    const settings = {
      listen_addresses: '127.0.0.1',
      // Its socket in the run's own folder, never beside the machine's server in /var/run/postgresql.
      unix_socket_directories: this.options.dir,
      fsync: 'off',
      synchronous_commit: 'on',
      full_page_writes: 'off',
      max_connections: '100',
      logging_collector: 'off',
    };
    const args = ['-D', this.dataDir, '-p', String(this.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const server = spawnServer(join(this.bin, 'postgres'), args, this.as(), this.options.events);
    this.proc = server.proc;
    this.exited = server.exited;
    this.paused = false;
    await whenAnswering(server, () => this.answers(), READY_WITHIN_MS, 'postgres', this.options.events);
  }

  private async answers(): Promise<boolean> {
    const pool = new Pool({ connectionString: this.address, max: 1, connectionTimeoutMillis: 500 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  /** SIGSTOP or SIGCONT to the postmaster and every process it started; recorded once, under the postmaster's pid. */
  private signalAll(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.proc?.pid;
    if (pid === undefined) return;
    this.options.events.signal(pid, signal);
    if (signal === 'SIGSTOP') {
      // The postmaster first, so it forks nothing more; then its children, looked up twice for one forked meanwhile.
      signalEach([pid], signal);
      signalEach(childrenOf(pid), signal);
      signalEach(childrenOf(pid), signal);
    } else {
      signalEach(childrenOf(pid), signal);
      signalEach([pid], signal);
    }
  }

  pause(): void {
    this.paused = true;
    this.signalAll('SIGSTOP');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.signalAll('SIGCONT');
  }

  /** `pg_ctl stop` (as the server's user) sends the postmaster the mode's signal and waits until it is gone. */
  private async stopWith(mode: RestartMode): Promise<void> {
    const pid = this.proc?.pid;
    if (pid === undefined || this.proc?.exitCode !== null || this.proc.signalCode !== null) return;
    // A stopped server cannot shut down: wake it first (the plan never overlaps two store faults).
    this.resume();
    this.options.events.signal(pid, STOP_MODE[mode].signal);
    await run(join(this.bin, 'pg_ctl'), ['stop', '-D', this.dataDir, '-m', STOP_MODE[mode].mode, '-w'], this.as());
    await this.exited;
  }

  async restart(mode: RestartMode, downMs: number): Promise<void> {
    await this.stopWith(mode);
    await sleep(downMs);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.stopWith('clean');
  }
}

async function serverVersion(bin: string): Promise<string> {
  const { stdout } = await run(join(bin, 'postgres'), ['--version']);
  return stdout.trim().replace(/^postgres \(PostgreSQL\) /, 'PostgreSQL ');
}

/** PostgreSQL, through a node-postgres pool made as README shows, handed to the library's `postgres` option. */
export const postgresStore: StoreKind = {
  name: 'postgres',
  preflight() {
    if (!binDir()) return `PostgreSQL's server binaries (initdb, postgres, pg_ctl) were not found: ${INSTALL}`;
    if (process.getuid?.() === 0 && !serverUser())
      return 'running as root, and there is no "postgres" system user to run PostgreSQL as: install Debian\'s postgresql package, or run as another user';
    return undefined;
  },
  async launch(options) {
    if (!options.persistence)
      throw new Error('--no-persistence is for Redis: PostgreSQL keeps every committed write; drop the flag');
    const bin = binDir() as string;
    const server = new PostgresServer(bin, await freePort(), options, serverUser(), await serverVersion(bin));
    await server.init();
    await server.start();
    return server;
  },
  connect(address): Promise<StoreConnection> {
    // As an app makes its pool. No 'error' listener of the app's own: README says the library listens on the pool
    // it is handed, so a pool made this way survives a restart of the server; a crash here would be a finding.
    const pool = new Pool({ connectionString: address });
    return Promise.resolve({
      moduleOptions: { postgres: pool },
      close: () => pool.end(),
    });
  },
};
