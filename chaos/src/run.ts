// npm run chaos: four instances of the chaos app on real processes, a store of their own, a fencing-checked sink,
// a seeded schedule of faults, and the checker over everything recorded. See chaos/README.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FAULT_KINDS, SETTINGS, type FaultKind, type RunSettings } from './config';
import { storeSubsection, withChaosSection } from './check/benchmarks-section';
import { loadHistory } from './check/history';
import { occurrenceLines } from './check/occurrence-log';
import { formatSummary } from './check/summary';
import { judge } from './check/verdict';
import { parseArgs, USAGE, type ChaosArgs } from './lib/args';
import { FAKETIME_MISSING, findFaketime } from './lib/faketime';
import { JsonLines } from './lib/jsonl';
import { CHAOS_ROOT, REPO_ROOT, snapshotLibrary, useLibraryHome } from './lib/library';
import { sleep } from './lib/net';
import { INSTANCES_DIR, RUNNER_FILE, type PhaseName, type RunnerRecord } from './lib/records';
import { planFaults } from './runner/fault-plan';
import { Fleet } from './runner/fleet';
import { injectFaults } from './runner/injector';
import { SinkServer } from './runner/sink-server';
import { storeNamed } from './stores';
import { type StoreServer } from './stores/store';

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/** A job written to the sink this recently is taken to be running (tenants write every 20 ms or so). */
const HOLDER_RECENT_MS = 150;

const started = Date.now();
const log = (line: string): void => {
  process.stderr.write(`chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${line}\n`);
};

/** This machine, for BENCHMARKS.md: a judged run is taken to have been recorded here. */
const machine = (): string =>
  `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;

/**
 * Judges a run directory, prints the summary (and the JSON line), and answers the exit code; with `update`, writes
 * the summary into its store's part of BENCHMARKS.md's chaos section.
 */
function report(dir: string, json: boolean, update: boolean): number {
  const history = loadHistory(dir);
  const verdict = judge(history);
  const summary = formatSummary(history, verdict);
  if (update) {
    const file = join(REPO_ROOT, 'BENCHMARKS.md');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    writeFileSync(file, withChaosSection(before, storeSubsection(history, summary, machine())));
    log(`wrote the ${history.store} part of the chaos section of ${file}`);
  }
  writeFileSync(join(dir, 'summary.txt'), `${summary}\n`);
  writeFileSync(join(dir, 'occurrences.jsonl'), `${occurrenceLines(verdict).join('\n')}\n`);
  writeFileSync(
    join(dir, 'verdict.json'),
    `${JSON.stringify({ ok: verdict.ok, failures: verdict.failures, figures: verdict.figures }, null, 2)}\n`,
  );
  process.stdout.write(`${summary}\n`);
  if (json)
    process.stdout.write(
      `${JSON.stringify({ ok: verdict.ok, failures: verdict.failures.length, ...verdict.figures })}\n`,
    );
  return verdict.ok ? 0 : 1;
}

async function run(args: ChaosArgs): Promise<number> {
  const store = storeNamed(args.store);
  const cannot = store.preflight();
  if (cannot) throw new Error(cannot);
  const faketime = findFaketime();
  if (!faketime) throw new Error(FAKETIME_MISSING);
  const seed = args.seed ?? Math.floor(Math.random() * 0xffffffff);
  const chaosMs = Math.round(args.minutes * 60_000);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(CHAOS_ROOT, '.runs', `${stamp}-${args.store}-seed${seed}`);
  mkdirSync(join(runDir, INSTANCES_DIR), { recursive: true });
  const build = snapshotLibrary(runDir);
  useLibraryHome(runDir);
  const history = new JsonLines(join(runDir, RUNNER_FILE));
  const record = (r: WithoutAt<RunnerRecord>): void => history.append({ at: Date.now(), ...r });
  const phase = (name: PhaseName): void => record({ type: 'phase', name });
  log(`run ${runDir} (seed ${seed}, ${args.minutes} min of faults on ${args.store})`);

  // The latest write per job tells who is running it right now: the target of faults aimed at a holder.
  const lastWrites = new Map<string, { instanceId: string; at: number; step?: string }>();
  const sink = new SinkServer((write) => {
    history.append({ type: 'write', ...write });
    lastWrites.set(write.key, { instanceId: write.instanceId, at: write.at, step: write.step });
  });
  const sinkUrl = await sink.listen();
  const dataDir = mkdtempSync(join(tmpdir(), 'chaos-store-'));
  let server: StoreServer | undefined;
  let fleet: Fleet | undefined;
  const shutdown = async (): Promise<void> => {
    await fleet?.stopAll(SETTINGS.shutdownTimeoutMs + SETTINGS.lockTimeoutMs + 10_000);
    phase('stopped');
    await server?.stop().catch(() => undefined);
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
    // The copy of the library was for the instances alone; the history stays.
    rmSync(join(runDir, 'node_modules'), { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    log('interrupted: stopping the fleet and the store');
    void shutdown().finally(() => process.exit(130));
  });
  try {
    server = await store.launch({
      dir: dataDir,
      persistence: args.persistence,
      events: {
        signal: (pid, signal) => record({ type: 'signal', target: 'store', pid, signal }),
        exit: (pid, code, signal) => record({ type: 'exit', target: 'store', pid, code, signal }),
        up: (pid) => record({ type: 'store-up', pid }),
      },
    });
    const weights = Object.fromEntries(
      FAULT_KINDS.map((k) => [k, args.faults.includes(k) ? SETTINGS.faults.weights[k] : 0]),
    );
    const settings: RunSettings = {
      ...SETTINGS,
      faults: { ...SETTINGS.faults, weights: weights as Record<FaultKind, number> },
    };
    const plan = planFaults(seed, chaosMs, settings);
    record({
      type: 'start',
      seed,
      store: args.store,
      storeLabel: server.label,
      persistence: args.persistence,
      crashLossMs: server.crashLossMs,
      minutes: args.minutes,
      settings,
      plan,
      build,
    });
    log(`${server.label}; sink ${sinkUrl}; ${plan.length} faults planned`);
    const runningFleet = new Fleet({
      runDir,
      appMain: resolve(__dirname, 'app', 'main.js'),
      settings: SETTINGS,
      storeName: args.store,
      storeAddress: server.address,
      sinkUrl,
      faketime,
      record,
      log,
    });
    fleet = runningFleet;
    await Promise.all(Array.from({ length: SETTINGS.instances }, (_, i) => runningFleet.start(i, 0)));
    phase('ready');
    log(`${SETTINGS.instances} instances ready`);
    await sleep(SETTINGS.faultsFromMs);
    phase('faults-from');
    // A per-tenant run writes every few ms; a plain run is between its two writes after its 'start' one.
    const holder = (): number | undefined => {
      const tenants = lastWrites.get(SETTINGS.perTenant.name);
      if (tenants && Date.now() - tenants.at < HOLDER_RECENT_MS) return runningFleet.slotOf(tenants.instanceId);
      const plain = lastWrites.get(SETTINGS.plain.name);
      if (plain?.step === 'start' && Date.now() - plain.at < SETTINGS.plain.bodyMs[1])
        return runningFleet.slotOf(plain.instanceId);
      return undefined;
    };
    const maxImpaired = SETTINGS.faults.maxImpairedInstances;
    await injectFaults(plan, Date.now(), { fleet: runningFleet, store: server, record, log, holder, maxImpaired });
    phase('faults-until');
    log(`faults done; settling for ${SETTINGS.settleMs / 1000} s`);
    await sleep(SETTINGS.settleMs);
    phase('settled');
  } finally {
    await shutdown();
    history.close();
  }
  log('fleet stopped; judging the history');
  return report(runDir, args.json, args.update);
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  try {
    process.exitCode = args.check ? report(resolve(args.check), args.json, args.update) : await run(args);
  } catch (error) {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

void main();
