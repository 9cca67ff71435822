import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SAMPLE_MAIN } from './paths.js';
import { WaitAborted, waitFor } from '../../support/wait.js';

/** One line an instance wrote; JSON lines from the sample's logger, anything else (a crash trace) as `raw`. */
export interface LogEntry {
  instance: string;
  level: string;
  context?: string;
  message: string;
  /** Epoch ms: the process's own clock for JSON lines, the moment it was read for raw lines. */
  timestamp: number;
  stream: 'stdout' | 'stderr';
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** A run summary or skip line of the library: `job=… run=… occurrence=… instance=… outcome=… [reason=…]`. */
export interface RunLine {
  job: string;
  run: string;
  occurrence: string;
  instance: string;
  outcome: string;
  reason?: string;
  /** The fencing token of a run that won its claim. */
  fence?: number;
  entry: LogEntry;
}

export const LIBRARY_CONTEXT = 'CoordinatedCron';
const RUN_LINE =
  /\bjob=(\S+) run=(\S+)(?: fence=(\d+))? occurrence=(\S+) instance=(\S+) outcome=(\w+)(?: reason=([\w-]+))?/;

export function parseRunLine(entry: LogEntry): RunLine | undefined {
  if (entry.context !== LIBRARY_CONTEXT) return undefined;
  const match = RUN_LINE.exec(entry.message);
  if (!match) return undefined;
  const [, job, run, fence, occurrence, instance, outcome, reason] = match;
  const line: RunLine = { job, run, occurrence, instance, outcome, reason, entry };
  if (fence !== undefined) line.fence = Number(fence);
  return line;
}

/** Value of a `key=value` token in a message. */
export function token(message: string, key: string): string | undefined {
  return new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(message)?.[1];
}

/** Every process a test starts, so that cleanup can kill each by pid whatever happened in the test. */
const started = new Set<{ child: ChildProcess; label: string }>();

// Last resort if the jest worker itself goes away: no sample process or redis-server may outlive it.
process.once('exit', () => {
  for (const { child } of started) {
    if (isRunning(child)) child.kill('SIGKILL');
  }
});

export function trackProcess(child: ChildProcess, label: string): void {
  const entry = { child, label };
  started.add(entry);
  child.once('exit', () => started.delete(entry));
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILL (works on SIGSTOPped processes too) every tracked process still alive, and wait until each is gone. */
export async function killAllTracked(): Promise<void> {
  const alive = [...started].filter(({ child }) => isRunning(child));
  await Promise.all(
    alive.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
          } catch {
            clearTimeout(timer);
            resolve();
          }
        }),
    ),
  );
  started.clear();
}

export class SampleProcess {
  readonly entries: LogEntry[] = [];
  readonly startedAt = Date.now();
  exit?: ExitInfo;
  /** When this test sent each signal, by the test's clock. */
  readonly signalsSent: Array<{ signal: NodeJS.Signals; at: number }> = [];
  private readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      });
    });
    this.follow(child.stdout!, 'stdout');
    this.follow(child.stderr!, 'stderr');
  }

  static start(name: string, env: NodeJS.ProcessEnv, cwd: string, logFile: string): SampleProcess {
    const child = spawn(process.execPath, [SAMPLE_MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    trackProcess(child, name);
    return new SampleProcess(name, child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Library lines, in order. */
  libraryLines(): LogEntry[] {
    return this.entries.filter((entry) => entry.context === LIBRARY_CONTEXT);
  }

  runLines(): RunLine[] {
    return this.entries.map(parseRunLine).filter((line): line is RunLine => line !== undefined);
  }

  /** The moment the app says it received a shutdown signal, by its own clock. */
  signalReceivedAt(signal: NodeJS.Signals = 'SIGTERM'): number | undefined {
    return this.entries.find((entry) => entry.context === 'SampleApp' && entry.message.startsWith(`received ${signal}`))
      ?.timestamp;
  }

  readyAt(): number | undefined {
    return this.entries.find((entry) => entry.context === 'SampleApp' && entry.message.startsWith('ready '))?.timestamp;
  }

  async waitForReady(timeoutMs = 20_000): Promise<number> {
    return waitFor(
      `${this.name} to log "ready"`,
      () => {
        if (!this.running) {
          throw new WaitAborted(`${this.name} exited (${JSON.stringify(this.exit)}) before it was ready`);
        }
        return this.readyAt();
      },
      { timeoutMs, diagnostics: () => this.tail() },
    );
  }

  signal(signal: NodeJS.Signals): number {
    const at = Date.now();
    this.signalsSent.push({ signal, at });
    this.child.kill(signal);
    return at;
  }

  /** Resolves with the exit, or fails after `timeoutMs` (the process is left for cleanup to kill). */
  async waitForExit(timeoutMs: number): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} (pid ${this.pid}) did not exit within ${timeoutMs}ms\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last lines, for failure messages. */
  tail(lines = 25): string {
    const shown = this.entries
      .slice(-lines)
      .map((entry) => `  ${entry.level.padEnd(7)} [${entry.context ?? '-'}] ${entry.message}`)
      .join('\n');
    return `--- last ${lines} lines of ${this.name} (pid ${this.child.pid}, full log ${this.logFile}):\n${shown}`;
  }

  private follow(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
    createInterface({ input: stream }).on('line', (line) => {
      appendFileSync(this.logFile, `${line}\n`);
      this.entries.push(this.parse(line, name));
    });
  }

  private parse(line: string, stream: 'stdout' | 'stderr'): LogEntry {
    if (line.startsWith('{')) {
      try {
        const json = JSON.parse(line) as { level?: string; context?: string; message?: unknown; timestamp?: number };
        return {
          instance: this.name,
          level: json.level ?? 'log',
          context: json.context,
          message: typeof json.message === 'string' ? json.message : JSON.stringify(json.message),
          timestamp: json.timestamp ?? Date.now(),
          stream,
        };
      } catch {
        // Not a log record after all; kept raw below.
      }
    }
    return { instance: this.name, level: 'raw', message: line, timestamp: Date.now(), stream };
  }
}
