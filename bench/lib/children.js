'use strict';

const { fork } = require('node:child_process');

const TAIL_LINES = 40;

/**
 * A child node process driven over IPC. Results travel as IPC messages so the child's stdout stays free for whatever
 * the app logs (counted, and kept as a short tail for error reports).
 */
class Child {
  constructor(script, { args = [], env = {}, name = script, execArgv = [] } = {}) {
    this.name = name;
    this.messages = [];
    this.waiters = [];
    this.stdoutLines = 0;
    this.stdoutBytes = 0;
    this.tail = [];
    this.exited = null;
    this.proc = fork(script, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv,
    });
    this.pid = this.proc.pid;
    const keep = (chunk, stream) => {
      const text = chunk.toString();
      if (stream === 'stdout') {
        this.stdoutBytes += chunk.length;
        for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.stdoutLines++;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        this.tail.push(`[${stream}] ${line}`);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    this.proc.stdout.on('data', (c) => keep(c, 'stdout'));
    this.proc.stderr.on('data', (c) => keep(c, 'stderr'));
    this.proc.on('message', (msg) => this.deliver(msg));
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = { code, signal };
        this.rejectAll(this.failure(`exited (code ${code}, signal ${signal})`));
        resolve(this.exited);
      });
    });
  }

  failure(what) {
    const lines = [...new Set(this.tail)].slice(-8).map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l));
    const err = new Error(`child ${this.name} (pid ${this.pid}) ${what}\n${lines.join('\n')}`);
    err.childTail = this.tail.slice();
    return err;
  }

  rejectAll(err) {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  deliver(msg) {
    if (msg && msg.type === 'fatal') {
      const err = this.failure(`failed: ${msg.message}`);
      this.rejectAll(err);
      this.fatal = err;
      return;
    }
    const idx = this.waiters.findIndex((w) => w.match(msg));
    if (idx >= 0) {
      const [w] = this.waiters.splice(idx, 1);
      clearTimeout(w.timer);
      w.resolve(msg);
    } else {
      this.messages.push(msg);
    }
  }

  /** Next message of `type` (already received or future), or a rejection after `timeoutMs`. */
  next(type, timeoutMs = 30000) {
    if (this.fatal) return Promise.reject(this.fatal);
    const match = (m) => m && m.type === type;
    const idx = this.messages.findIndex(match);
    if (idx >= 0) return Promise.resolve(this.messages.splice(idx, 1)[0]);
    if (this.exited) return Promise.reject(this.failure(`exited before sending "${type}"`));
    return new Promise((resolve, reject) => {
      const w = { match, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this.failure(`sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Removes and returns every buffered message of `type`. */
  drain(type) {
    const out = [];
    this.messages = this.messages.filter((m) => {
      if (m && m.type === type) {
        out.push(m);
        return false;
      }
      return true;
    });
    return out;
  }

  send(msg) {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  async request(cmd, payload, replyType, timeoutMs) {
    this.send({ cmd, ...payload });
    return this.next(replyType, timeoutMs);
  }

  /** Asks the child to close its app and exit; kills it (this pid only) if it does not within `graceMs`. */
  async stop(graceMs = 15000) {
    if (this.exited) return this.exited;
    this.send({ cmd: 'exit' });
    const timer = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, graceMs);
    const res = await this.exitPromise;
    clearTimeout(timer);
    return res;
  }
}

async function stopAll(children, graceMs) {
  await Promise.all(children.map((c) => c.stop(graceMs).catch(() => undefined)));
}

module.exports = { Child, stopAll };
