import { fork, type ChildProcess } from 'node:child_process';

/** Every IPC message carries a `type`; the rest is the sender's business. */
export interface Message {
  type: string;
  [key: string]: unknown;
}

interface Waiter {
  match: (m: Message) => boolean;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

const TAIL_LINES = 40;

/**
 * A child node process driven over IPC. Results travel as IPC messages so the child's stdout stays free for whatever
 * the app logs (counted, and kept as a short tail for error reports).
 */
export class Child {
  readonly pid: number | undefined;
  readonly exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdoutLines = 0;
  private readonly proc: ChildProcess;
  private messages: Message[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly tail: string[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private fatal: Error | null = null;

  constructor(
    script: string,
    private readonly opts: { args?: string[]; env?: Record<string, string>; name?: string; execArgv?: string[] } = {},
  ) {
    this.proc = fork(script, opts.args ?? [], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: opts.execArgv ?? [],
    });
    this.pid = this.proc.pid;
    const keep = (chunk: Buffer, stream: 'stdout' | 'stderr'): void => {
      const text = chunk.toString();
      if (stream === 'stdout') for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.stdoutLines++;
      for (const line of text.split('\n')) {
        if (!line) continue;
        this.tail.push(`[${stream}] ${line}`);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    this.proc.stdout?.on('data', (c: Buffer) => keep(c, 'stdout'));
    this.proc.stderr?.on('data', (c: Buffer) => keep(c, 'stderr'));
    this.proc.on('message', (m) => this.deliver(m as Message));
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = { code, signal };
        this.rejectAll(this.failure(`exited (code ${code}, signal ${signal})`));
        resolve(this.exited);
      });
    });
  }

  get name(): string {
    return this.opts.name ?? 'child';
  }

  private failure(what: string): Error {
    const lines = [...new Set(this.tail)].slice(-8).map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l));
    return new Error(`child ${this.name} (pid ${this.pid}) ${what}\n${lines.join('\n')}`);
  }

  private rejectAll(err: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private deliver(msg: Message): void {
    if (msg?.type === 'fatal') {
      this.fatal = this.failure(`failed: ${String(msg.message)}`);
      this.rejectAll(this.fatal);
      return;
    }
    const idx = this.waiters.findIndex((w) => w.match(msg));
    if (idx < 0) {
      this.messages.push(msg);
      return;
    }
    const [w] = this.waiters.splice(idx, 1);
    clearTimeout(w.timer);
    w.resolve(msg);
  }

  /** Next message of `type` (already received or future), or a rejection after `timeoutMs`. */
  next<T extends Message = Message>(type: string, timeoutMs = 30000): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    const match = (m: Message): boolean => m?.type === type;
    const idx = this.messages.findIndex(match);
    if (idx >= 0) return Promise.resolve(this.messages.splice(idx, 1)[0] as T);
    if (this.exited) return Promise.reject(this.failure(`exited before sending "${type}"`));
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = { match, resolve: (m) => resolve(m as T), reject };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this.failure(`sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Removes and returns every buffered message of `type`. */
  drain<T extends Message = Message>(type: string): T[] {
    const out: T[] = [];
    this.messages = this.messages.filter((m) => {
      if (m?.type !== type) return true;
      out.push(m as T);
      return false;
    });
    return out;
  }

  send(msg: { cmd: string; [key: string]: unknown }): void {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  /** Sends command `cmd` and waits for its `${cmd}:done` reply. */
  request<T extends Message = Message>(cmd: string, payload: Record<string, unknown>, timeoutMs: number): Promise<T> {
    this.send({ cmd, ...payload });
    return this.next<T>(`${cmd}:done`, timeoutMs);
  }

  /** Sends `signal` to this child's pid alone (figure 10 kills a holder mid-run the way a crash would). */
  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.proc.kill(signal);
  }

  /** Asks the child to close its app and exit; kills it (this pid only) if it does not within `graceMs`. */
  async stop(graceMs = 15000): Promise<void> {
    if (this.exited) return;
    this.send({ cmd: 'exit' });
    const timer = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

export async function stopAll(children: readonly Child[], graceMs?: number): Promise<void> {
  await Promise.all(children.map((c) => c.stop(graceMs).catch(() => undefined)));
}

/** Runs `use` with one child and always stops it afterwards. */
export async function withChild<T>(child: Child, use: (child: Child) => Promise<T>): Promise<T> {
  try {
    return await use(child);
  } finally {
    await child.stop();
  }
}
