#!/usr/bin/env node
// Consumer tests: the packed tarball, installed with a plain `npm install` into apps shaped as `nest new` makes
// them (NestJS 12: ESM + Vitest; NestJS 11: CommonJS + jest), must build, pass the app's own spec, typecheck under
// every moduleResolution, and coordinate two real processes of the compiled app through Redis.
//
//   node test/consumer/run.mjs [nest12|nest11]...      (no argument: both)
//
// Environment: REDIS_URL (default redis://127.0.0.1:6379); CONSUMER_KEEP=1 keeps the temp folder even on success.
// Only Node built-ins are used, so the script runs before anything is installed anywhere.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const KEEP = process.env.CONSUMER_KEEP === '1';
const RUN_ID = `${Date.now().toString(36)}-${process.pid}`;

// The apps' schedule during the cluster run: a tick every 2 s, each process waiting up to 300 ms before claiming.
const CLUSTER_CRON = '*/2 * * * * *';
const TICK_MS = 2000;
const JITTER_MS = 300;
const CLUSTER_RUN_MS = 10_000;
// A tick counts as expected only when its window and its short job body fit well before SIGTERM, with room for a
// loaded machine's late timers.
const SETTLE_MS = 2000;
const PLAIN_JOB = 'consumer-plain';
const TENANT_JOB = 'consumer-per-tenant';
const ENABLED_TENANTS = ['acme', 'globex', 'initech'];
const DISABLED_TENANT = 'umbrella';

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

// README's "Testing your jobs" shows these two files; each app gets them from README's text, so that the example is
// proven to compile and pass as it is printed.
const README_EXAMPLE = ['src/report.jobs.ts', 'src/report.jobs.spec.ts'];

const LEGS = {
  nest12: {
    template: 'nest12-esm',
    describe: 'NestJS 12, ESM, TypeScript 6, Vitest',
    // How the app writes a relative import: ESM needs the `.js` suffix, README's text has it.
    fromReadme: (text) => text,
    // `expect`: the half whose declarations that resolution must pick (this app is "type": "module").
    typecheck: [
      { resolution: 'nodenext', module: 'nodenext', expect: 'esm' },
      { resolution: 'node16', module: 'node16', expect: 'esm' },
      { resolution: 'bundler', module: 'esnext', expect: 'esm' },
      // TypeScript 6 refuses node10 (TS5107) unless told the deprecation is known; node10 reads the top-level "types".
      { resolution: 'node10', module: 'commonjs', expect: 'cjs', extra: { ignoreDeprecations: '6.0' } },
    ],
  },
  nest11: {
    template: 'nest11-cjs',
    describe: 'NestJS 11, CommonJS, TypeScript 5, jest',
    // jest in a CommonJS app resolves `./report.jobs` only without the suffix, as README says.
    fromReadme: (text) => text.replace(/from '(\.\/[^']+)\.js';/g, "from '$1';"),
    // A CommonJS app: node16/nodenext resolve with the "require" condition, bundler with "import".
    typecheck: [
      { resolution: 'nodenext', module: 'nodenext', expect: 'cjs' },
      { resolution: 'node16', module: 'node16', expect: 'cjs' },
      { resolution: 'bundler', module: 'esnext', expect: 'esm' },
      { resolution: 'node10', module: 'commonjs', expect: 'cjs' },
    ],
  },
};

class Failure extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Output

const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
function say(scope, message) {
  console.log(`[consumer${scope ? `:${scope}` : ''}] ${message}`);
}

function tail(text, lines = 60) {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} earlier lines in the log file)`, ...all.slice(-lines)] : all)
    .map((line) => `    | ${line}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

const children = new Set();

function killChildren() {
  for (const child of children) {
    try {
      // Group kill: npm and the tools it starts live in the child's own process group.
      process.kill(child.detachedGroup ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** Env for the apps' tools: no npm settings inherited from a parent `npm run` that could loosen peer checks. */
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(legacy_peer_deps|force|strict_peer_deps|omit|production)$/i.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

/** Runs a command to completion; a non-zero exit or the time limit throws with the output's tail. */
function run(scope, label, command, args, { cwd, env, timeoutMs = 5 * 60_000, logDir } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, args, {
      cwd,
      env: env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.detachedGroup = true;
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Failure(`${label}: could not start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const elapsed = Date.now() - t0;
      let logNote = '';
      if (logDir) {
        const file = path.join(logDir, `${label.replace(/[^a-z0-9]+/gi, '-')}.log`);
        writeFileSync(file, `$ ${command} ${args.join(' ')}\n(cwd ${cwd})\n\n${output}`);
        logNote = ` (log: ${file})`;
      }
      if (timedOut || code !== 0) {
        const why = timedOut ? `did not finish within ${seconds(timeoutMs)}` : `exited with ${code ?? signal}`;
        reject(new Failure(`${label}: \`${command} ${args.join(' ')}\` in ${cwd} ${why}${logNote}\n${tail(output)}`));
        return;
      }
      say(scope, `${label}: ok (${seconds(elapsed)})`);
      resolve(output);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Redis, spoken directly (RESP2) so that the script needs nothing installed.

function parseRedisUrl(url) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new Failure(`REDIS_URL ${url}: only redis:// URLs are supported here`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    username: decodeURIComponent(parsed.username || ''),
    password: decodeURIComponent(parsed.password || ''),
    db: parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : 0,
  };
}

/** Parses one reply from buf at offset; returns [value, nextOffset] or undefined when incomplete. */
function parseReply(buf, offset) {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  if (type === '+') return [line, next];
  if (type === '-') return [new Error(line), next];
  if (type === ':') return [Number(line), next];
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return [null, next];
    if (buf.length < next + length + 2) return undefined;
    return [buf.toString('utf8', next, next + length), next + length + 2];
  }
  if (type === '*') {
    const count = Number(line);
    if (count < 0) return [null, next];
    const items = [];
    let at = next;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buf, at);
      if (!item) return undefined;
      items.push(item[0]);
      at = item[1];
    }
    return [items, at];
  }
  throw new Error(`unexpected Redis reply type ${JSON.stringify(type)}`);
}

async function redisSession(url, work) {
  const target = parseRedisUrl(url);
  const socket = net.connect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  const waiting = [];
  let broken;
  const fail = (error) => {
    broken = error;
    while (waiting.length) waiting.shift().reject(error);
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const reply = parseReply(buffer, 0);
      if (!reply) break;
      buffer = buffer.subarray(reply[1]);
      const waiter = waiting.shift();
      if (!waiter) continue;
      if (reply[0] instanceof Error) waiter.reject(reply[0]);
      else waiter.resolve(reply[0]);
    }
  });
  socket.on('error', fail);
  socket.on('close', () => fail(broken ?? new Error('connection closed')));
  const command = (...args) =>
    new Promise((resolve, reject) => {
      if (broken) return reject(broken);
      waiting.push({ resolve, reject });
      const parts = [`*${args.length}\r\n`];
      for (const arg of args) parts.push(`$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`);
      socket.write(parts.join(''));
    });
  const timeout = new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from ${url} within 5s`)), 5000);
    timer.unref();
  });
  try {
    await Promise.race([
      new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      timeout,
    ]);
    if (target.password) {
      await command('AUTH', ...(target.username ? [target.username] : []), target.password);
    }
    if (target.db) await command('SELECT', target.db);
    return await Promise.race([work(command), timeout]);
  } finally {
    socket.destroy();
  }
}

async function redisKeys(pattern) {
  return redisSession(REDIS_URL, async (command) => {
    const keys = [];
    let cursor = '0';
    do {
      const [nextCursor, batch] = await command('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = nextCursor;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  });
}

async function redisDeleteMatching(pattern) {
  const keys = await redisKeys(pattern);
  if (keys.length === 0) return 0;
  return redisSession(REDIS_URL, (command) => command('DEL', ...keys));
}

// ---------------------------------------------------------------------------------------------------------------
// The tarball

/** Lists a .tgz's entries with their contents (ustar; long names arrive in `prefix` or as pax headers). */
function readTarball(file) {
  const data = gunzipSync(readFileSync(file));
  const entries = new Map();
  let offset = 0;
  let paxPath;
  const field = (start, length) => data.toString('utf8', offset + start, offset + start + length).replace(/\0.*$/s, '');
  while (offset + 512 <= data.length) {
    const name = field(0, 100);
    if (!name) break;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = data.subarray(offset + 512, offset + 512 + size);
    if (type === 'x') {
      const match = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      paxPath = match?.[1];
    } else if (type === '0' || type === '5') {
      const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
      paxPath = undefined;
      if (type === '0') entries.set(full.replace(/^package\//, ''), body.toString('utf8'));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

function exportTargets(node, out = []) {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') for (const value of Object.values(node)) exportTargets(value, out);
  return out;
}

function checkTarball(file) {
  const entries = readTarball(file);
  const paths = [...entries.keys()].sort();
  const problems = [];
  const topLevel = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
  for (const p of paths) {
    if (topLevel.has(p)) continue;
    // Each build half may carry a package.json naming its module format; anything else there is a leak.
    if (/^dist\/(esm|cjs)\/package\.json$/.test(p)) continue;
    if (/^dist\/(esm|cjs)\/.+\.(js|d\.ts|map)$/.test(p)) continue;
    problems.push(`unexpected file in the tarball: ${p}`);
  }
  for (const p of ['package.json', 'README.md', 'LICENSE']) {
    if (!entries.has(p)) problems.push(`missing from the tarball: ${p}`);
  }
  for (const half of ['esm', 'cjs']) {
    for (const p of [`dist/${half}/index.js`, `dist/${half}/index.d.ts`]) {
      if (!entries.has(p)) problems.push(`missing from the tarball: ${p}`);
    }
  }
  for (const [half, type] of [
    ['esm', 'module'],
    ['cjs', 'commonjs'],
  ]) {
    const marker = entries.get(`dist/${half}/package.json`);
    if (marker === undefined) continue;
    const parsed = JSON.parse(marker);
    if (parsed.type !== type || Object.keys(parsed).length !== 1) {
      problems.push(`dist/${half}/package.json should be exactly {"type":"${type}"}, is ${marker.trim()}`);
    }
  }
  const manifest = JSON.parse(entries.get('package.json') ?? '{}');
  const targets = [
    ...exportTargets(manifest.exports),
    ...['main', 'types', 'typings', 'module'].map((key) => manifest[key]).filter(Boolean),
  ];
  if (!manifest.exports) problems.push('package.json has no "exports" map');
  for (const target of targets) {
    const normalized = path.posix.normalize(target).replace(/^\.\//, '');
    if (!entries.has(normalized)) problems.push(`package.json points at ${target}, which is not in the tarball`);
  }
  const esmTypes = manifest.exports?.['.']?.import?.types;
  const cjsTypes = manifest.exports?.['.']?.require?.types;
  if (!esmTypes || !cjsTypes || esmTypes === cjsTypes) {
    problems.push('exports["."] should give import and require each their own "types" (dist/esm vs dist/cjs)');
  }
  return { paths, problems, manifest };
}

// ---------------------------------------------------------------------------------------------------------------
// README's example

/** The TypeScript blocks of README's "Testing your jobs", in order: one per file of README_EXAMPLE. */
function readmeExample() {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Testing your jobs\n');
  if (start < 0) throw new Failure('README.md has no "## Testing your jobs" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  if (blocks.length !== README_EXAMPLE.length) {
    throw new Failure(
      `README's "Testing your jobs" has ${blocks.length} ts block(s); expected ${README_EXAMPLE.length} (${README_EXAMPLE.join(', ')})`,
    );
  }
  return blocks;
}

/** Writes README's example into the app, in the app's import style: README is the one copy, and this proves it. */
function writeReadmeExample(leg, appDir) {
  readmeExample().forEach((text, index) => {
    writeFileSync(path.join(appDir, README_EXAMPLE[index]), leg.fromReadme(text));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// One leg

function typecheckConfig(check) {
  return {
    compilerOptions: {
      module: check.module,
      moduleResolution: check.resolution,
      target: 'ES2022',
      strict: true,
      noEmit: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      // As every app sets it: errors inside @nestjs's own declarations are not this package's to answer for.
      skipLibCheck: true,
      types: ['node'],
      ...check.extra,
    },
    files: ['consumer.ts'],
  };
}

async function clusterRun(scope, appDir, prefix) {
  const env = cleanEnv({
    REDIS_URL,
    PORT: '0',
    CONSUMER_KEY_PREFIX: prefix,
    CONSUMER_CRON: CLUSTER_CRON,
    CONSUMER_JITTER_MS: String(JITTER_MS),
    // Plain log lines, so that level words can be matched.
    NO_COLOR: '1',
  });
  const procs = [0, 1].map((index) => {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const proc = { index, child, stdout: '', stderr: '', ready: undefined, exit: undefined, lines: [] };
    let partial = '';
    child.stdout.on('data', (chunk) => {
      proc.stdout += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const line of lines) {
        proc.lines.push(line);
        if (line.startsWith('CONSUMER_READY ')) proc.ready = Date.now();
      }
    });
    child.stderr.on('data', (chunk) => (proc.stderr += chunk));
    proc.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        children.delete(child);
        proc.exit = { code, signal };
        resolve();
      }),
    );
    return proc;
  });

  const describeProc = (proc) =>
    `process ${proc.index} (pid ${proc.child.pid})\n  stdout:\n${tail(proc.stdout, 15)}\n  stderr:\n${tail(proc.stderr, 15)}`;

  const bootDeadline = Date.now() + 30_000;
  while (procs.some((proc) => !proc.ready)) {
    const dead = procs.find((proc) => proc.exit);
    if (dead) {
      killChildren();
      throw new Failure(
        `cluster: ${describeProc(dead)}\n  exited with ${dead.exit.code ?? dead.exit.signal} during boot`,
      );
    }
    if (Date.now() > bootDeadline) {
      killChildren();
      throw new Failure(
        `cluster: not every process printed CONSUMER_READY within 30s\n${procs.map(describeProc).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readyAt = Math.max(...procs.map((proc) => proc.ready));
  say(
    scope,
    `cluster: 2 processes up (pids ${procs.map((p) => p.child.pid).join(', ')}), running ${seconds(CLUSTER_RUN_MS)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, CLUSTER_RUN_MS));
  for (const proc of procs) if (!proc.exit) proc.child.kill('SIGTERM');
  const stopAt = Date.now();
  const exitTimer = setTimeout(() => {
    for (const proc of procs) if (!proc.exit) proc.child.kill('SIGKILL');
  }, 20_000);
  await Promise.all(procs.map((proc) => proc.exited));
  clearTimeout(exitTimer);

  return { procs, readyAt, stopAt, describeProc };
}

function checkCluster({ procs, readyAt, stopAt, describeProc }) {
  const problems = [];
  for (const proc of procs) {
    const { code, signal } = proc.exit;
    // Nest's shutdown hook re-raises the signal once the app has closed, so a clean exit reads as SIGTERM.
    if (!(signal === 'SIGTERM' || code === 0)) problems.push(`process ${proc.index} exited with ${code ?? signal}`);
    if (!proc.lines.some((line) => line.startsWith('CONSUMER_SHUTDOWN '))) {
      problems.push(`process ${proc.index} never reached onApplicationShutdown`);
    }
    const text = `${proc.stdout}\n${proc.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    if (/no shared lock store/.test(text)) problems.push(`process ${proc.index} fell back to an in-process lock store`);
    const errorLines = text
      .split('\n')
      .filter((line) => /\sERROR\s|Unhandled|uncaught|^\s*(Type|Reference|Syntax)?Error\b/i.test(line));
    if (errorLines.length)
      problems.push(`process ${proc.index} logged errors:\n${errorLines.map((l) => `    | ${l}`).join('\n')}`);
  }

  const runs = [];
  for (const proc of procs) {
    for (const line of proc.lines) {
      if (!line.startsWith('CONSUMER_RUN ')) continue;
      const entry = JSON.parse(line.slice('CONSUMER_RUN '.length));
      runs.push(entry);
      if (entry.pid !== proc.child.pid) problems.push(`process ${proc.index} printed another pid's run: ${line}`);
      if (entry.clsJob !== entry.job || entry.clsTenant !== entry.tenant) {
        problems.push(`CronContext disagrees with the run's arguments: ${line}`);
      }
      if (Date.parse(entry.occurrence) % TICK_MS !== 0) problems.push(`occurrence off the schedule: ${line}`);
    }
  }

  const count = (job, keyOf) => {
    const counts = new Map();
    for (const entry of runs.filter((r) => r.job === job)) {
      const key = keyOf(entry);
      counts.set(key, [...(counts.get(key) ?? []), entry.pid]);
    }
    return counts;
  };
  const plain = count(PLAIN_JOB, (entry) => entry.occurrence);
  const tenants = count(TENANT_JOB, (entry) => `${entry.occurrence} ${entry.tenant}`);
  for (const [occurrence, ranOn] of plain) {
    if (ranOn.length !== 1)
      problems.push(`${PLAIN_JOB} ${occurrence} ran ${ranOn.length} times (pids ${ranOn.join(', ')})`);
  }
  for (const [key, ranOn] of tenants) {
    if (ranOn.length !== 1) problems.push(`${TENANT_JOB} ${key} ran ${ranOn.length} times (pids ${ranOn.join(', ')})`);
    if (key.endsWith(` ${DISABLED_TENANT}`)) problems.push(`${TENANT_JOB} ran for the disabled tenant: ${key}`);
  }

  const expected = [];
  for (let tick = Math.ceil(readyAt / TICK_MS) * TICK_MS; tick + JITTER_MS + SETTLE_MS <= stopAt; tick += TICK_MS) {
    expected.push(new Date(tick).toISOString());
  }
  if (expected.length < 2) problems.push(`only ${expected.length} tick(s) fell inside the run; the run is too short`);
  for (const occurrence of expected) {
    if (!plain.has(occurrence)) problems.push(`${PLAIN_JOB} ${occurrence}: no process ran it`);
    for (const tenant of ENABLED_TENANTS) {
      if (!tenants.has(`${occurrence} ${tenant}`))
        problems.push(`${TENANT_JOB} ${occurrence} ${tenant}: no process ran it`);
    }
  }
  const seenOccurrences = new Set(runs.map((entry) => entry.occurrence));
  if (plain.size < 2) problems.push(`${PLAIN_JOB} ran for ${plain.size} occurrence(s); at least 2 expected`);

  const share = procs.map((proc) => runs.filter((entry) => entry.pid === proc.child.pid).length);
  const summary =
    `${plain.size} occurrences of ${PLAIN_JOB}, ${tenants.size} (occurrence, tenant) runs of ${TENANT_JOB}, ` +
    `${seenOccurrences.size} distinct ticks, ${expected.length} expected; bodies per process: ${share.join(' / ')}`;
  if (problems.length) {
    return { problems: [...problems, `cluster output:\n${procs.map(describeProc).join('\n')}`], summary };
  }
  return { problems, summary };
}

function appTsc(appDir) {
  return path.join(appDir, 'node_modules', 'typescript', 'bin', 'tsc');
}

async function runLeg(name, tarball, root) {
  const leg = LEGS[name];
  const scope = name;
  const legDir = path.join(root, name);
  const appDir = path.join(legDir, 'app');
  const logDir = path.join(legDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  say(scope, `${leg.describe}: app in ${appDir}`);

  // The template names the tarball by a path relative to the app, so the template itself stays a real project.
  cpSync(tarball, path.join(legDir, 'nestjs-coordinated-cron.tgz'));
  cpSync(path.join(HERE, leg.template), appDir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  writeReadmeExample(leg, appDir);
  say(scope, `README's "Testing your jobs" written to ${README_EXAMPLE.join(' and ')}`);

  const peerLoosening = await run(scope, 'npm config', 'npm', ['config', 'get', 'legacy-peer-deps', 'force'], {
    cwd: appDir,
    logDir,
    timeoutMs: 60_000,
  });
  if (/\btrue\b/.test(peerLoosening)) {
    throw new Failure(`npm config sets legacy-peer-deps or force (${peerLoosening.trim()}); the install must be plain`);
  }
  const installOutput = await run(scope, 'npm install', 'npm', NPM_INSTALL, {
    cwd: appDir,
    logDir,
    timeoutMs: 8 * 60_000,
  });
  // npm can settle a peer conflict with only a warning; for these apps that counts as a failed install.
  const peerWarnings = installOutput.split('\n').filter((line) => /ERESOLVE|peer dep/i.test(line));
  if (peerWarnings.length) throw new Failure(`npm install warned about peers:\n${tail(peerWarnings.join('\n'), 30)}`);
  const engineText = installOutput
    .split('\n')
    .filter((line) => line.includes('EBADENGINE'))
    .map((line) => line.replace(/^.*EBADENGINE/, ''))
    .join(' ');
  const engineWarnings = [...engineText.matchAll(/package: '([^']+)',\s*required: \{[^}]*?node: '([^']+)'/g)];
  if (engineWarnings.length) {
    say(
      scope,
      `npm install: engine warnings on Node ${process.versions.node} (not failures): ${engineWarnings
        .map((match) => `${match[1]} (node ${match[2]})`)
        .join(', ')}`,
    );
  }
  await run(scope, 'nest build', 'npm', ['run', 'build'], { cwd: appDir, logDir, timeoutMs: 3 * 60_000 });
  if (!existsSync(path.join(appDir, 'dist', 'main.js'))) throw new Failure('nest build did not produce dist/main.js');
  // nest build leaves the specs out; the test runners strip types without checking them. This compiles them all.
  await run(
    scope,
    'tsc --noEmit (the app and its specs)',
    process.execPath,
    [appTsc(appDir), '--noEmit', '-p', 'tsconfig.json'],
    {
      cwd: appDir,
      logDir,
      timeoutMs: 3 * 60_000,
    },
  );
  // README's example among them: in-process locks, so no Redis is given to it.
  await run(scope, 'app unit specs (npm test)', 'npm', ['test'], {
    cwd: appDir,
    logDir,
    timeoutMs: 3 * 60_000,
    env: cleanEnv({ REDIS_URL: 'redis://127.0.0.1:1' }),
  });

  // Both module systems must find their own half, and the halves must agree on what they export.
  cpSync(path.join(HERE, 'resolve-check.mjs'), path.join(appDir, 'resolve-check.mjs'));
  const resolveOutput = await run(
    scope,
    'resolve check (import and require)',
    process.execPath,
    ['resolve-check.mjs'],
    {
      cwd: appDir,
      logDir,
      timeoutMs: 60_000,
    },
  );
  const resolved = JSON.parse(
    resolveOutput
      .split('\n')
      .find((line) => line.startsWith('RESOLVE_CHECK '))
      .slice(14),
  );
  const resolveProblems = [];
  if (!/[\\/]dist[\\/]esm[\\/]index\.js$/.test(resolved.importResolved)) {
    resolveProblems.push(`import resolves to ${resolved.importResolved}, not dist/esm/index.js`);
  }
  if (!/[\\/]dist[\\/]cjs[\\/]index\.js$/.test(resolved.requireResolved)) {
    resolveProblems.push(`require resolves to ${resolved.requireResolved}, not dist/cjs/index.js`);
  }
  if (resolved.esmError)
    resolveProblems.push(`import('nestjs-coordinated-cron') throws:\n${tail(resolved.esmError, 15)}`);
  if (resolved.cjsError)
    resolveProblems.push(`require('nestjs-coordinated-cron') throws:\n${tail(resolved.cjsError, 15)}`);
  if (resolved.esmKeys && resolved.cjsKeys && resolved.esmKeys.join() !== resolved.cjsKeys.join()) {
    const onlyEsm = resolved.esmKeys.filter((k) => !resolved.cjsKeys.includes(k));
    const onlyCjs = resolved.cjsKeys.filter((k) => !resolved.esmKeys.includes(k));
    resolveProblems.push(`the halves export different names: only ESM [${onlyEsm}], only CJS [${onlyCjs}]`);
  }
  if (resolveProblems.length) throw new Failure(`resolve check:\n  ${resolveProblems.join('\n  ')}`);

  const typecheckDir = path.join(appDir, 'typecheck');
  mkdirSync(typecheckDir);
  cpSync(path.join(HERE, 'typecheck', 'consumer.ts'), path.join(typecheckDir, 'consumer.ts'));
  const tsc = appTsc(appDir);
  const tsVersion = JSON.parse(
    readFileSync(path.join(appDir, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ).version;
  for (const check of leg.typecheck) {
    const config = path.join(typecheckDir, `tsconfig.${check.resolution}.json`);
    writeFileSync(config, `${JSON.stringify(typecheckConfig(check), null, 2)}\n`);
    const listed = await run(
      scope,
      `typecheck ${check.resolution} (TypeScript ${tsVersion})`,
      process.execPath,
      [tsc, '-p', config, '--listFiles'],
      { cwd: appDir, logDir, timeoutMs: 2 * 60_000 },
    );
    // Declarations from both halves in one program would mean two incompatible copies of every class.
    const halves = new Set(
      [...listed.matchAll(/nestjs-coordinated-cron[\\/]dist[\\/](esm|cjs)[\\/]/g)].map((match) => match[1]),
    );
    if (halves.size !== 1 || !halves.has(check.expect)) {
      throw new Failure(
        `typecheck ${check.resolution}: used declarations from [${[...halves]}], expected only dist/${check.expect}`,
      );
    }
  }

  const specPrefix = `consumer-${RUN_ID}-${name}-spec`;
  try {
    await run(scope, 'app spec (npm run test:e2e)', 'npm', ['run', 'test:e2e'], {
      cwd: appDir,
      logDir,
      timeoutMs: 3 * 60_000,
      // A daily tick keeps the schedule quiet while the spec triggers its own occurrences.
      env: cleanEnv({ REDIS_URL, CONSUMER_KEY_PREFIX: specPrefix, CONSUMER_CRON: '0 0 3 * * *' }),
    });
  } finally {
    await redisDeleteMatching(`${specPrefix}*`).catch(() => undefined);
  }

  const clusterPrefix = `consumer-${RUN_ID}-${name}-cluster`;
  try {
    const t0 = Date.now();
    const result = await clusterRun(scope, appDir, clusterPrefix);
    const keys = await redisKeys(`${clusterPrefix}*`);
    const { problems, summary } = checkCluster(result);
    // Claims outlive the run (until the next window), so their keys show the lock really lived in Redis.
    if (keys.length === 0) problems.unshift(`no key under ${clusterPrefix} in Redis: the lock did not use Redis`);
    const clusterLog = path.join(logDir, 'cluster.log');
    writeFileSync(clusterLog, result.procs.map((p) => `${p.stdout}\n--- stderr\n${p.stderr}`).join('\n=====\n'));
    if (problems.length)
      throw new Failure(`cluster (full output: ${clusterLog}): ${summary}\n  ${problems.join('\n  ')}`);
    say(scope, `cluster: ok (${seconds(Date.now() - t0)}): ${summary}`);
  } finally {
    await redisDeleteMatching(`${clusterPrefix}*`).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main() {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !LEGS[name]);
  if (unknown.length) {
    console.error(
      `usage: node test/consumer/run.mjs [${Object.keys(LEGS).join('|')}]...  (unknown: ${unknown.join(', ')})`,
    );
    process.exit(2);
  }
  const legs = requested.length ? [...new Set(requested)] : Object.keys(LEGS);
  const results = new Map();
  const failAll = (message) => {
    for (const name of legs) if (!results.has(name)) results.set(name, { ok: false, message, ms: 0 });
  };

  const root = mkdtempSync(path.join(os.tmpdir(), 'nestjs-coordinated-cron-consumer-'));
  say('', `temp folder ${root}; Redis ${REDIS_URL}; legs: ${legs.join(', ')}`);

  try {
    const pong = await redisSession(REDIS_URL, (command) => command('PING'));
    if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (error) {
    failAll(`Redis does not answer at ${REDIS_URL} (${error.message}); these tests need it and never skip`);
  }

  let tarball;
  if (results.size === 0) {
    try {
      const packDir = path.join(root, 'pack');
      mkdirSync(packDir);
      await run('', 'library build (npm run build)', 'npm', ['run', 'build'], { cwd: REPO, logDir: packDir });
      const packed = await run('', 'npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], {
        cwd: REPO,
        logDir: packDir,
      });
      const info = JSON.parse(packed.slice(packed.indexOf('[')));
      tarball = path.join(packDir, info[0].filename);
      const { paths, problems } = checkTarball(tarball);
      if (problems.length) throw new Failure(`tarball ${tarball}:\n  ${problems.join('\n  ')}`);
      say('', `tarball: ok, ${paths.length} files (${path.basename(tarball)})`);
    } catch (error) {
      failAll(error instanceof Failure ? error.message : error.stack);
    }
  }

  for (const name of legs) {
    if (results.has(name)) continue;
    const t0 = Date.now();
    try {
      await runLeg(name, tarball, root);
      results.set(name, { ok: true, ms: Date.now() - t0 });
    } catch (error) {
      results.set(name, {
        ok: false,
        message: error instanceof Failure ? error.message : error.stack,
        ms: Date.now() - t0,
      });
    }
    const result = results.get(name);
    say(name, `${result.ok ? 'PASSED' : 'FAILED'} in ${seconds(result.ms)}`);
  }

  console.log('');
  for (const name of legs) {
    const result = results.get(name);
    console.log(`${result.ok ? 'PASS' : 'FAIL'} ${name} (${LEGS[name].describe}) ${seconds(result.ms)}`);
    if (!result.ok) console.log(`  ${result.message.split('\n').join('\n  ')}`);
  }
  const passed = legs.filter((name) => results.get(name).ok).length;
  const failed = legs.length - passed;
  if ((failed === 0 && !KEEP) || readdirSync(root).length === 0) {
    const t0 = Date.now();
    rmSync(root, { recursive: true, force: true });
    say('', `removed ${root} (${seconds(Date.now() - t0)})`);
  } else {
    say('', `kept ${root} for inspection`);
  }
  say('', `total ${seconds(Date.now() - started)}`);
  console.log(`consumer: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error.stack ?? error);
  console.log('consumer: 0 passed, 1 failed');
  process.exitCode = 1;
});
