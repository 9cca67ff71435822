import * as net from 'node:net';
import * as tls from 'node:tls';
import { type CommandCounts, type RedisClient } from './redis';

function resp(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** What one connection sent during one segment. */
export interface ConnectionTraffic {
  total: number;
  byCommand: CommandCounts;
  /** Commands the connection sent itself, a script's call counted once however many commands it ran: round trips. */
  sent: number;
}

/** One segment split into the bench's traffic (per connection) and everyone else's. */
export interface AccountedSegment extends ConnectionTraffic {
  byAddr: Map<string, ConnectionTraffic>;
  foreign: number;
}

type Segment = Map<string, ConnectionTraffic>;

/**
 * Per-connection command accounting from Redis MONITOR.
 *
 * `INFO commandstats` is server-wide: anything else using the same Redis (a test suite, another app) lands in the
 * deltas. MONITOR names the client of every command, and commands run inside a script are printed as `lua` lines
 * right after the EVAL/EVALSHA that ran them (Redis is single-threaded, nothing interleaves), so each command can be
 * charged to the connection that caused it, counted the way commandstats counts them. A connection is the bench's
 * when it touches a key under the run's prefix or carries a client name starting with it.
 *
 * Segments are cut by ECHO markers sent on the harness connection: because Redis orders the marker after every
 * command that completed before it was sent, a segment holds exactly the traffic between two markers.
 */
export class Monitor {
  /** Round trip of the last marker's ECHO: after an idle stretch it shows what waking this machine costs. */
  lastMarkRttMs = NaN;
  private readonly url: URL;
  private readonly markerPrefix: string;
  private readonly ours = new Set<string>();
  private readonly harnessAddrs = new Set<string>();
  private current: Segment = new Map();
  private readonly pendingMarks = new Map<string, (segment: Segment) => void>();
  private lastCaller: string | null = null;
  private buffer = '';
  private sock?: net.Socket;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.url = new URL(url);
    this.markerPrefix = `${prefix}:mark:`;
  }

  start(): Promise<void> {
    const u = this.url;
    const opts = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
    return new Promise((resolve, reject) => {
      const sock = u.protocol === 'rediss:' ? tls.connect(opts) : net.connect(opts);
      this.sock = sock;
      sock.setEncoding('utf8');
      sock.setNoDelay(true);
      let started = false;
      let okCount = 0;
      const db = u.pathname.replace(/^\//, '');
      // AUTH, SELECT and SETNAME answer before MONITOR does; the last OK means the stream is live.
      const expectedOk = (u.password ? 1 : 0) + (db ? 1 : 0) + 2;
      const fail = (err: Error): void => {
        if (!started) reject(err);
      };
      sock.once('error', fail);
      sock.on('connect', () => {
        let preface = '';
        if (u.password) {
          const user = decodeURIComponent(u.username || '');
          const pass = decodeURIComponent(u.password);
          preface += resp(user ? ['AUTH', user, pass] : ['AUTH', pass]);
        }
        if (db) preface += resp(['SELECT', db]);
        preface += resp(['CLIENT', 'SETNAME', `${this.prefix}-monitor`]);
        sock.write(`${preface}${resp(['MONITOR'])}`);
      });
      sock.on('data', (chunk: string) => {
        this.buffer += chunk;
        let from = 0;
        let nl: number;
        while ((nl = this.buffer.indexOf('\r\n', from)) >= 0) {
          const line = this.buffer.slice(from, nl);
          from = nl + 2;
          if (line.startsWith('-')) {
            fail(new Error(`MONITOR refused: ${line.slice(1)}`));
            continue;
          }
          if (!started && line === '+OK') {
            if (++okCount === expectedOk) {
              started = true;
              resolve();
            }
            continue;
          }
          if (started && line.charCodeAt(0) === 43) this.onLine(line);
        }
        this.buffer = this.buffer.slice(from);
      });
    });
  }

  private onLine(line: string): void {
    // +1700000000.123456 [0 127.0.0.1:51234] "cmd" "arg" ...
    const open = line.indexOf('[');
    const close = line.indexOf(']', open);
    if (open < 0 || close < 0) return;
    const addr = line.slice(line.indexOf(' ', open) + 1, close);
    const rest = line.slice(close + 2);
    const cmd = rest.slice(1, rest.indexOf('"', 1)).toLowerCase();

    const markerAt = cmd === 'echo' ? rest.indexOf(`" "${this.markerPrefix}`) : -1;
    if (markerAt >= 0) {
      this.harnessAddrs.add(addr);
      this.closeSegment(rest.slice(markerAt + 3 + this.markerPrefix.length, rest.length - 1));
      return;
    }
    let caller: string | null = addr;
    if (addr === 'lua') caller = this.lastCaller;
    else this.lastCaller = addr;
    if (!caller) return;
    if (rest.includes(`"${this.prefix}`)) this.ours.add(caller);
    let entry = this.current.get(caller);
    if (!entry) {
      entry = { total: 0, byCommand: {}, sent: 0 };
      this.current.set(caller, entry);
    }
    entry.total++;
    if (addr !== 'lua') entry.sent++;
    entry.byCommand[cmd] = (entry.byCommand[cmd] ?? 0) + 1;
  }

  private closeSegment(label: string): void {
    const segment = this.current;
    this.current = new Map();
    const waiter = this.pendingMarks.get(label);
    if (waiter) {
      this.pendingMarks.delete(label);
      waiter(segment);
    }
  }

  /**
   * Ends the running segment; resolves with it once its marker has come back through the monitor stream and the
   * ECHO's own reply has arrived (its round trip is then `lastMarkRttMs`).
   */
  async mark(client: RedisClient, label: string): Promise<Segment> {
    const seen = new Promise<Segment>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingMarks.delete(label);
        reject(new Error(`MONITOR did not show marker ${label} within 10 s`));
      }, 10000);
      this.pendingMarks.set(label, (segment) => {
        clearTimeout(timer);
        resolve(segment);
      });
    });
    const sentAt = performance.now();
    const replied = client.sendCommand(['ECHO', `${this.markerPrefix}${label}`]).then(() => performance.now() - sentAt);
    const [segment, rtt] = await Promise.all([seen, replied]);
    this.lastMarkRttMs = rtt;
    return segment;
  }

  /** Adds connections whose client name starts with the run prefix (read once the instances are up). */
  async learnNamedClients(client: RedisClient): Promise<Map<string, string>> {
    const list = String(await client.sendCommand(['CLIENT', 'LIST']));
    const named = new Map<string, string>();
    for (const line of list.split('\n')) {
      const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1];
      const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
      if (addr && name?.startsWith(this.prefix) && !/-(monitor|harness)$/.test(name)) {
        this.ours.add(addr);
        named.set(addr, name);
      }
    }
    return named;
  }

  /** Splits a segment into the bench's traffic (per connection) and everyone else's. */
  account(segment: Segment): AccountedSegment {
    const out: AccountedSegment = { total: 0, byCommand: {}, sent: 0, byAddr: new Map(), foreign: 0 };
    for (const [addr, entry] of segment) {
      if (this.harnessAddrs.has(addr)) continue;
      if (!this.ours.has(addr)) {
        out.foreign += entry.total;
        continue;
      }
      out.total += entry.total;
      out.sent += entry.sent;
      out.byAddr.set(addr, entry);
      for (const [cmd, n] of Object.entries(entry.byCommand)) out.byCommand[cmd] = (out.byCommand[cmd] ?? 0) + n;
    }
    return out;
  }

  stop(): void {
    this.sock?.destroy();
  }
}
