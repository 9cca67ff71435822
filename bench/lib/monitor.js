'use strict';

const net = require('node:net');
const tls = require('node:tls');

function resp(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return out;
}

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
class Monitor {
  constructor(url, prefix) {
    this.url = new URL(url);
    this.prefix = prefix;
    this.markerPrefix = `${prefix}:mark:`;
    this.ours = new Set();
    this.harnessAddrs = new Set();
    this.current = new Map();
    this.pendingMarks = new Map();
    this.lastCaller = null;
    this.buffer = '';
    this.totalLines = 0;
  }

  start() {
    const u = this.url;
    const opts = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
    return new Promise((resolve, reject) => {
      const sock = u.protocol === 'rediss:' ? tls.connect(opts) : net.connect(opts);
      this.sock = sock;
      sock.setEncoding('utf8');
      sock.setNoDelay(true);
      let started = false;
      let okCount = 0;
      let expectedOk = 0;
      const fail = (err) => {
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
        const db = u.pathname.replace(/^\//, '');
        if (db) preface += resp(['SELECT', db]);
        preface += resp(['CLIENT', 'SETNAME', `${this.prefix}-monitor`]);
        expectedOk = (u.password ? 1 : 0) + (db ? 1 : 0) + 2;
        sock.write(`${preface}${resp(['MONITOR'])}`);
      });
      sock.on('data', (chunk) => {
        this.buffer += chunk;
        let from = 0;
        let nl;
        while ((nl = this.buffer.indexOf('\r\n', from)) >= 0) {
          const line = this.buffer.slice(from, nl);
          from = nl + 2;
          if (line.startsWith('-')) {
            fail(new Error(`MONITOR refused: ${line.slice(1)}`));
            continue;
          }
          if (!started && line === '+OK') {
            // AUTH, SELECT and SETNAME answer before MONITOR does; the last OK means the stream is live.
            okCount++;
            if (okCount === expectedOk) {
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

  onLine(line) {
    this.totalLines++;
    // +1700000000.123456 [0 127.0.0.1:51234] "cmd" "arg" ...
    const open = line.indexOf('[');
    const close = line.indexOf(']', open);
    if (open < 0 || close < 0) return;
    const space = line.indexOf(' ', open);
    const addr = line.slice(space + 1, close);
    const rest = line.slice(close + 2);
    const q2 = rest.indexOf('"', 1);
    const cmd = rest.slice(1, q2).toLowerCase();

    const markerAt = cmd === 'echo' ? rest.indexOf(`" "${this.markerPrefix}`) : -1;
    if (markerAt >= 0) {
      this.harnessAddrs.add(addr);
      const label = rest.slice(markerAt + 3 + this.markerPrefix.length, rest.length - 1);
      this.closeSegment(label);
      return;
    }
    let caller = addr;
    if (addr === 'lua') caller = this.lastCaller;
    else this.lastCaller = addr;
    if (!caller) return;
    if (rest.includes(`"${this.prefix}`)) this.ours.add(caller);
    let entry = this.current.get(caller);
    if (!entry) {
      entry = { total: 0, byCommand: {} };
      this.current.set(caller, entry);
    }
    entry.total++;
    entry.byCommand[cmd] = (entry.byCommand[cmd] || 0) + 1;
  }

  closeSegment(label) {
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
   * ECHO's own reply has arrived. `lastMarkRttMs` is then that reply's round trip, which after an idle stretch
   * shows what waking this machine costs any command.
   */
  mark(client, label) {
    const seen = new Promise((resolve, reject) => {
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
    return Promise.all([seen, replied]).then(([segment, rtt]) => {
      this.lastMarkRttMs = rtt;
      return segment;
    });
  }

  /** Adds connections whose client name starts with the run prefix (read once the instances are up). */
  async learnNamedClients(client) {
    const list = String(await client.sendCommand(['CLIENT', 'LIST']));
    const named = new Map();
    for (const line of list.split('\n')) {
      const addr = /(?:^| )addr=(\S+)/.exec(line);
      const name = /(?:^| )name=(\S*)/.exec(line);
      if (addr && name && name[1].startsWith(this.prefix) && !/-(monitor|harness)$/.test(name[1])) {
        this.ours.add(addr[1]);
        named.set(addr[1], name[1]);
      }
    }
    return named;
  }

  /** Splits a segment into the bench's traffic (per connection) and everyone else's. */
  account(segment) {
    const ours = { total: 0, byCommand: {}, byAddr: new Map() };
    let foreign = 0;
    for (const [addr, entry] of segment) {
      if (this.harnessAddrs.has(addr)) continue;
      if (this.ours.has(addr)) {
        ours.total += entry.total;
        ours.byAddr.set(addr, entry);
        for (const [cmd, n] of Object.entries(entry.byCommand)) ours.byCommand[cmd] = (ours.byCommand[cmd] || 0) + n;
      } else {
        foreign += entry.total;
      }
    }
    return { ...ours, foreign };
  }

  stop() {
    if (this.sock) this.sock.destroy();
  }
}

module.exports = { Monitor };
