import BetterSqlite3, { type Database } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt } from './paths.js';
import { assertRedisReachable, deleteKeys, REDIS_URL } from './redis.js';
import { killAllTracked, type LogEntry, type RunLine, SampleProcess } from './sample-process.js';
import { type WaitOptions } from '../../support/wait.js';

let sequence = 0;

/** Inherited variables that would change the sample's behaviour behind a test's back. */
const OWN_VARIABLES = /^(SAMPLE_|CRON_|CLUSTER_|LOG_FORMAT$|LOG_LEVEL$|PORT$|REDIS_URL$)/;

export interface JobRunRow {
  id: number;
  job_name: string;
  occurrence: string;
  run_id: string;
  instance_id: string;
  tenant_id: string | null;
  flow: string | null;
  started_at: number;
  finished_at: number | null;
  status: string;
  detail: string | null;
}

/**
 * One test's world: a temporary directory and database, a key prefix no other run shares, and the instances it
 * started. `dispose()` kills whatever is still alive (by pid) and removes the keys and files, pass or fail.
 */
export class Scenario {
  readonly dir: string;
  readonly dbPath: string;
  readonly keyPrefix: string;
  readonly instances: SampleProcess[] = [];
  private db?: Database;

  constructor(
    readonly label: string,
    private readonly baseEnv: Record<string, string> = {},
  ) {
    assertBuilt();
    sequence += 1;
    this.keyPrefix = `e2e-${process.pid}-${Date.now()}-${sequence}-${label}`;
    this.dir = mkdtempSync(join(tmpdir(), `coordinated-cron-e2e-${label}-`));
    this.dbPath = join(this.dir, 'sample.db');
  }

  env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OWN_VARIABLES.test(key)));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      REDIS_URL,
      SAMPLE_DB: this.dbPath,
      SAMPLE_FAST: '1',
      CRON_KEY_PREFIX: this.keyPrefix,
      PORT: 'off',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      NO_COLOR: '1',
      ...this.baseEnv,
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  start(name: string, overrides: Record<string, string | undefined> = {}): SampleProcess {
    const instance = SampleProcess.start(
      name,
      this.env({ CRON_INSTANCE_ID: name, ...overrides }),
      this.dir,
      join(this.dir, `${name}.log`),
    );
    this.instances.push(instance);
    return instance;
  }

  /** Starts the first instance alone (it creates and seeds the database), then the rest together. */
  async startReady(names: string[], overrides: Record<string, string | undefined> = {}): Promise<SampleProcess[]> {
    const [first, ...rest] = names;
    const started = [this.start(first, overrides)];
    await started[0].waitForReady(30_000);
    for (const name of rest) started.push(this.start(name, overrides));
    await Promise.all(started.map((instance) => instance.waitForReady(30_000)));
    return started;
  }

  database(): Database {
    if (!this.db) {
      this.db = new BetterSqlite3(this.dbPath, { fileMustExist: true });
      this.db.pragma('busy_timeout = 10000');
    }
    return this.db;
  }

  jobRuns(where = '1 = 1', ...params: unknown[]): JobRunRow[] {
    return this.database()
      .prepare(`SELECT * FROM job_runs WHERE ${where} ORDER BY id`)
      .all(...params) as JobRunRow[];
  }

  entries(): LogEntry[] {
    return this.instances.flatMap((instance) => instance.entries);
  }

  runLines(): RunLine[] {
    return this.instances.flatMap((instance) => instance.runLines());
  }

  diagnostics(): string {
    return this.instances.map((instance) => instance.tail()).join('\n');
  }

  /** Options for `waitFor` whose failure message ends with every instance's log tail. */
  waiting(timeoutMs: number, intervalMs = 100): WaitOptions {
    return { timeoutMs, intervalMs, diagnostics: () => this.diagnostics() };
  }

  /** SIGTERM every running instance and wait until all of them have exited. */
  async stopAll(timeoutMs = 20_000): Promise<void> {
    const running = this.instances.filter((instance) => instance.running);
    for (const instance of running) instance.signal('SIGTERM');
    await Promise.all(running.map((instance) => instance.waitForExit(timeoutMs)));
  }

  async dispose(options: { redisUrl?: string } = {}): Promise<void> {
    await killAllTracked();
    this.db?.close();
    this.db = undefined;
    try {
      await deleteKeys(this.keyPrefix, options.redisUrl ?? REDIS_URL);
    } catch {
      // Best effort: the keys expire by themselves, and a test that needed Redis has already failed loudly.
    }
    if (!process.env.E2E_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * afterEach of every e2e test: kills whatever the test started, by pid, even when it failed before its scenario
 * existed (a redis-server started first, a build missing), then removes the scenario's keys and files.
 */
export async function cleanUp(scenario: Scenario | undefined): Promise<void> {
  await killAllTracked();
  await scenario?.dispose();
}

/**
 * The hooks every e2e file registers: Redis must answer before anything starts, and each test's processes, keys
 * and files are cleaned up after it, pass or fail. Returns the way to open the test's scenario.
 */
export function useScenarios(): (label: string, env?: Record<string, string>) => Scenario {
  let current: Scenario | undefined;
  beforeAll(() => assertRedisReachable());
  afterEach(async () => {
    await cleanUp(current);
    current = undefined;
  });
  return (label, env) => (current = new Scenario(label, env));
}
