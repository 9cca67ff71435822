#!/usr/bin/env node
// Makes a clone ready for one of README's two commands, installing or starting only what is missing, one line each:
//
//   node scripts/prepare.mjs sample    (`npm run sample`)          dependencies
//   node scripts/prepare.mjs cluster   (`npm run sample:cluster`)  dependencies, redis-server, a Redis at REDIS_URL
//   node scripts/prepare.mjs test      (`npm test`)                dependencies, redis-server, a Redis answering at
//                                                                  REDIS_URL, Chromium, the PostgreSQL server binaries
//
// Packages come from the registries the project already uses: npm for dependencies, Debian's apt for the rest. A
// need is an entry in NEEDS (how to tell it is missing, how to provide it); a command is a list of needs in PLANS.
// Only Node built-ins are used: this runs before node_modules exists.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisAnswers } from './redis-ping.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const POSTGRES_BINARIES = '/usr/lib/postgresql';

class SetupError extends Error {}

function say(message) {
  console.log(`setup: ${message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Probes

function onPath(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function isLoopback(hostname) {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || hostname.startsWith('127.');
}

/** Why node_modules does not match package-lock.json, or undefined when it does. */
function dependenciesOutOfDate() {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return 'no node_modules';
  const lockFile = path.join(ROOT, 'package-lock.json');
  if (statSync(installed).mtimeMs >= statSync(lockFile).mtimeMs) return undefined;
  // The lock file is newer (a pull, a checkout): compare what it asks for with what npm last installed.
  const wanted = JSON.parse(readFileSync(lockFile, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  for (const [location, entry] of Object.entries(wanted)) {
    if (location === '' || !location.includes('node_modules/')) continue;
    // Optional packages for other platforms (fsevents, say) are never installed here.
    if (entry.optional && !have[location]) continue;
    if (have[location]?.version !== entry.version) return 'package-lock.json changed since the last install';
  }
  return undefined;
}

function libfaketime() {
  const dirs = ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime', '/usr/lib/faketime'];
  return dirs.map((dir) => path.join(dir, 'libfaketime.so.1')).find((file) => existsSync(file));
}

function postgresBinaries() {
  if (!existsSync(POSTGRES_BINARIES)) return [];
  return readdirSync(POSTGRES_BINARIES).filter((major) =>
    existsSync(path.join(POSTGRES_BINARIES, major, 'bin', 'initdb')),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Providers

/** Runs a command quietly; a failure throws with the end of its output. */
function run(command, args, env = {}) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.error) throw new SetupError(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new SetupError(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}\n${output}`);
  }
  return result.stdout;
}

/** Runs a command as root: directly when this is root, else through sudo; undefined when neither can. */
function runAsRoot(command, args, env) {
  if (process.getuid?.() === 0) return run(command, args, env);
  if (onPath('sudo')) return run('sudo', [...Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`), command, ...args]);
  return undefined;
}

/** `npm ci`, its output kept for an error; node-gyp gets the headers of the Node.js running this when they are installed. */
function npmCi() {
  const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node', 'node_version.h');
  const env = { ...process.env };
  if (existsSync(headers) && headersVersion(headers) === process.versions.node) {
    // Saves node-gyp a download from nodejs.org, which not every network allows.
    env.npm_config_nodedir = path.resolve(path.dirname(headers), '..', '..');
  }
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
  return { ok: result.status === 0, output: result.error ? result.error.message : output };
}

function headersVersion(file) {
  const text = readFileSync(file, 'utf8');
  const part = (name) => new RegExp(`#define ${name} (\\d+)`).exec(text)?.[1];
  return [part('NODE_MAJOR_VERSION'), part('NODE_MINOR_VERSION'), part('NODE_PATCH_VERSION')].join('.');
}

let aptUpdated = false;

/** Installs Debian packages as root (directly, or through sudo); anything else is a clear error. */
function aptInstall(packages, why) {
  const canRoot = process.getuid?.() === 0 || onPath('sudo');
  if (!onPath('apt-get') || !canRoot) {
    const how = onPath('apt-get') ? ` (as root: apt-get install ${packages.join(' ')})` : '';
    throw new SetupError(
      `${why} is missing and cannot be installed here (${onPath('apt-get') ? 'not root, no sudo' : 'no apt-get'}). ` +
        `Install ${packages.join(', ')} yourself${how}, then run the command again.`,
    );
  }
  // Another apt run on the machine holds the lock for a while; wait for it rather than fail.
  const apt = (args) =>
    runAsRoot('apt-get', [...args, '-o', 'DPkg::Lock::Timeout=300'], { DEBIAN_FRONTEND: 'noninteractive' });
  if (!aptUpdated) {
    apt(['update', '-qq']);
    aptUpdated = true;
  }
  apt(['install', '-y', '-qq', ...packages]);
}

async function startRedis(url) {
  const { hostname, port } = new URL(url);
  const host = hostname || '127.0.0.1';
  const inMemory = ['--save', '', '--appendonly', 'no'];
  run('redis-server', ['--daemonize', 'yes', '--bind', host, '--port', port || '6379', ...inMemory]);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new SetupError(`started redis-server on ${host}:${port || 6379}, but it does not answer`);
}

// ---------------------------------------------------------------------------------------------------------------
// Needs: `missing()` says why a need is not met (undefined: it is); `provide(why)` meets it, after one line.

const NEEDS = {
  node: {
    missing() {
      const [major, minor] = process.versions.node.split('.').map(Number);
      const fits = major >= 24 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
      return fits ? undefined : `Node.js ${process.versions.node}`;
    },
    provide(why) {
      throw new SetupError(`${why} is too old: this repository needs Node.js 20.19+, 22.12+ or 24+`);
    },
  },
  dependencies: {
    missing: dependenciesOutOfDate,
    provide(why) {
      say(`installing dependencies (npm ci: ${why})`);
      const first = npmCi();
      if (first.ok) return;
      // better-sqlite3 fetches a prebuilt binary from GitHub; where it cannot, node-gyp compiles it, which needs these.
      const tools = ['python3', 'make', 'g++'].filter((tool) => !onPath(tool));
      if (tools.length === 0 || !/\bgyp\b/.test(first.output)) throw new SetupError(`npm ci failed:\n${first.output}`);
      say(
        `installing ${tools.join(', ')} (apt): better-sqlite3 found no prebuilt binary to download and is compiled here`,
      );
      aptInstall(tools, tools.join(', '));
      const second = npmCi();
      if (!second.ok) throw new SetupError(`npm ci failed again:\n${second.output}`);
    },
  },
  'redis-server': {
    // The suite starts servers of its own (paused, killed, cluster, sentinel): it needs both binaries either way.
    missing: () => (onPath('redis-server') && onPath('redis-cli') ? undefined : 'redis-server'),
    provide(why) {
      say('installing redis-server (apt)');
      aptInstall(['redis-server'], why);
    },
  },
  redis: {
    async missing() {
      return (await redisAnswers(REDIS_URL)) ? undefined : `nothing answers at ${REDIS_URL}`;
    },
    async provide(why) {
      const { hostname } = new URL(REDIS_URL);
      if (!isLoopback(hostname || '127.0.0.1')) {
        throw new SetupError(`${why}: start that Redis, or unset REDIS_URL to use one on 127.0.0.1:6379`);
      }
      say(`starting redis-server on ${new URL(REDIS_URL).host} (in memory only: --save "" --appendonly no)`);
      await startRedis(REDIS_URL);
    },
  },
  chromium: {
    missing: () => (existsSync(CHROMIUM) ? undefined : CHROMIUM),
    provide(why) {
      if (process.env.CHROMIUM_PATH) throw new SetupError(`CHROMIUM_PATH=${why} does not exist`);
      say('installing chromium (apt)');
      aptInstall(['chromium'], 'Chromium');
    },
  },
  postgresql: {
    // Tests start throwaway servers of their own with initdb; only the binaries are needed, not a running cluster.
    missing: () => (postgresBinaries().length > 0 ? undefined : `${POSTGRES_BINARIES}/*/bin/initdb`),
    provide(why) {
      say('installing the postgresql server binaries (apt)');
      const freshCommon = !existsSync('/etc/postgresql-common/createcluster.conf');
      if (freshCommon) {
        // Debian creates and starts a "main" cluster on install unless told not to before the server package
        // arrives; nothing here uses it, so a fresh machine does not get one.
        aptInstall(['postgresql-common'], why);
        runAsRoot('sed', [
          '-i',
          's/^#\\?\\s*create_main_cluster\\b.*/create_main_cluster = false/',
          '/etc/postgresql-common/createcluster.conf',
        ]);
      }
      aptInstall(['postgresql'], why);
    },
  },
  libfaketime: {
    // The clock-skew tests and the chaos run start instances whose wall clock is moved through it (LD_PRELOAD).
    missing: () => (libfaketime() ? undefined : 'libfaketime.so.1'),
    provide(why) {
      say('installing libfaketime (apt)');
      aptInstall(['libfaketime'], why);
    },
  },
};

const PLANS = {
  sample: ['node', 'dependencies'],
  cluster: ['node', 'dependencies', 'redis-server', 'redis'],
  test: ['node', 'dependencies', 'redis-server', 'redis', 'chromium', 'postgresql', 'libfaketime'],
};

async function main() {
  const plan = PLANS[process.argv[2]];
  if (!plan) {
    console.error(`usage: node scripts/prepare.mjs <${Object.keys(PLANS).join('|')}>`);
    process.exit(2);
  }
  for (const name of plan) {
    const need = NEEDS[name];
    const why = await need.missing();
    if (why === undefined) continue;
    await need.provide(why);
    const still = await need.missing();
    if (still !== undefined) throw new SetupError(`${name}: still missing after setup (${still})`);
  }
}

main().catch((error) => {
  console.error(`setup: ${error instanceof SetupError ? error.message : error.stack}`);
  process.exit(1);
});
