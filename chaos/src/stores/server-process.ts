import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { sleep } from '../lib/net';
import { type StoreEvents } from './store';

export interface ServerProcess {
  proc: ChildProcess;
  /** Settles once the process has exited (its exit already recorded). */
  exited: Promise<void>;
}

/** Spawns a store's server in the foreground, so that the runner sees, and records, its exit. */
export function spawnServer(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  events: StoreEvents,
): ServerProcess {
  const proc = spawn(command, args, { stdio: 'ignore', ...options });
  const pid = proc.pid as number;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      events.exit(pid, code, signal);
      resolve();
    }),
  );
  return { proc, exited };
}

/**
 * Resolves once `answers()` says the server takes requests, and records it up; rejects, naming `what`, when it exits
 * first or `withinMs` pass.
 */
export async function whenAnswering(
  server: ServerProcess,
  answers: () => Promise<boolean>,
  withinMs: number,
  what: string,
  events: StoreEvents,
): Promise<void> {
  const { proc } = server;
  const deadline = Date.now() + withinMs;
  while (!(await answers())) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${what} exited at start (code ${proc.exitCode}, signal ${proc.signalCode})`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${withinMs} ms`);
    await sleep(50);
  }
  events.up(proc.pid as number);
}
