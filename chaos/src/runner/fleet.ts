import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { type RunSettings } from '../config';
import { faketimeEnv } from '../lib/faketime';
import { INSTANCES_DIR, type RunnerRecord } from '../lib/records';

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

export interface FleetOptions {
  runDir: string;
  /** The compiled app/main.js. */
  appMain: string;
  settings: RunSettings;
  storeName: string;
  storeAddress: string;
  sinkUrl: string;
  faketime: string;
  record: (record: WithoutAt<RunnerRecord>) => void;
  log: (line: string) => void;
}

/** One of the fleet's places: instance i0 to i3, each run by a succession of processes (generations). */
interface Slot {
  index: number;
  generation: number;
  offsetMs: number;
  proc?: ChildProcess;
  instanceId?: string;
  exited?: Promise<void>;
  paused?: boolean;
}

const READY_WITHIN_MS = 60_000;
const PINGS = 5;

/**
 * The chaos app's instances as real processes. Every signal the runner sends and every exit it sees is recorded
 * (the checker tells expected exits from the others by them); a process that dies unasked is recorded and started
 * again a moment later, as a supervisor would, so the run goes on.
 */
export class Fleet {
  private readonly slots: Slot[];
  private stopping = false;
  /** Pids the runner sent SIGKILL or SIGTERM: whoever sent it starts the slot again. */
  private readonly asked = new Set<number>();

  constructor(private readonly options: FleetOptions) {
    this.slots = Array.from({ length: options.settings.instances }, (_, index) => ({
      index,
      generation: 0,
      offsetMs: 0,
    }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** The slot whose current process is `instanceId`, if that process is still the slot's. */
  slotOf(instanceId: string): number | undefined {
    return this.slots.find((slot) => slot.instanceId === instanceId && slot.proc)?.index;
  }

  offsetOf(index: number): number {
    return this.slots[index].offsetMs;
  }

  isRunning(index: number): boolean {
    return this.slots[index].proc !== undefined;
  }

  /** Starts a new process in slot `index` with its clock `offsetMs` off; resolves when it is ready or has exited. */
  start(index: number, offsetMs: number): Promise<void> {
    const slot = this.slots[index];
    if (slot.proc) throw new Error(`instance i${index} is already running`);
    slot.generation++;
    slot.offsetMs = offsetMs;
    const instanceId = `i${index}.${slot.generation}`;
    slot.instanceId = instanceId;
    const { runDir, settings } = this.options;
    const out = openSync(join(runDir, INSTANCES_DIR, `${instanceId}.out`), 'a');
    const proc = fork(
      this.options.appMain,
      [
        instanceId,
        this.options.storeName,
        this.options.storeAddress,
        this.options.sinkUrl,
        join(runDir, INSTANCES_DIR, `${instanceId}.jsonl`),
      ],
      {
        env: {
          ...process.env,
          CHAOS_SETTINGS: JSON.stringify(settings),
          CHAOS_CLOCK_OFFSET_MS: String(offsetMs),
          ...faketimeEnv(this.options.faketime, offsetMs),
        },
        stdio: ['ignore', out, out, 'ipc'],
      },
    );
    closeSync(out);
    slot.proc = proc;
    slot.paused = false;
    const pid = proc.pid as number;
    this.options.record({ type: 'process', instanceId, slot: index, pid, offsetMs });
    slot.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.options.record({ type: 'exit', target: instanceId, pid, code, signal });
        if (slot.proc === proc) slot.proc = undefined;
        resolve();
        if (this.stopping || this.asked.has(pid)) return;
        this.options.log(`instance ${instanceId} exited unasked (code ${code}, signal ${signal}); starting it again`);
        setTimeout(() => {
          if (!this.stopping && !slot.proc) void this.start(index, slot.offsetMs);
        }, 1000);
      });
    });
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.log(`instance ${instanceId} not ready within ${READY_WITHIN_MS / 1000} s`);
        resolve();
      }, READY_WITHIN_MS);
      void slot.exited?.then(() => {
        clearTimeout(timer);
        resolve();
      });
      proc.on('message', (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        this.options.record({ type: 'ready', instanceId });
        void this.measureSkew(proc, instanceId).finally(resolve);
      });
    });
  }

  /**
   * This process's clock against the runner's: a few pings, each answered at once with the instance's `Date.now()`;
   * the one with the shortest round trip gives the skew (its error is at most half that round trip).
   */
  private async measureSkew(proc: ChildProcess, instanceId: string): Promise<void> {
    let best: { skewMs: number; rttMs: number } | undefined;
    for (let id = 0; id < PINGS; id++) {
      const sentAt = Date.now();
      const reply = await new Promise<{ now: number } | undefined>((resolve) => {
        const timer = setTimeout(() => done(undefined), 2000);
        const onMessage = (m: { type?: string; id?: number; now?: number }) => {
          if (m?.type === 'pong' && m.id === id) done({ now: Number(m.now) });
        };
        const done = (value: { now: number } | undefined) => {
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(value);
        };
        proc.on('message', onMessage);
        if (proc.connected) proc.send({ type: 'ping', id });
      });
      if (!reply) continue;
      const receivedAt = Date.now();
      const rttMs = receivedAt - sentAt;
      const skewMs = reply.now - (sentAt + receivedAt) / 2;
      if (!best || rttMs < best.rttMs) best = { skewMs: Math.round(skewMs), rttMs };
    }
    if (best) this.options.record({ type: 'skew', instanceId, ...best });
    else
      this.options.record({
        type: 'note',
        text: `${instanceId}: no answer to the clock check; its declared offset is used`,
      });
  }

  signal(index: number, signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): boolean {
    const slot = this.slots[index];
    const proc = slot.proc;
    if (!proc || !slot.instanceId || proc.pid === undefined) return false;
    if (signal === 'SIGCONT' && !slot.paused) return true;
    if (signal === 'SIGTERM' || signal === 'SIGKILL') this.asked.add(proc.pid);
    slot.paused = signal === 'SIGSTOP';
    this.options.record({ type: 'signal', target: slot.instanceId, pid: proc.pid, signal });
    proc.kill(signal);
    return true;
  }

  /** SIGKILL (or, for a clean stop, SIGTERM) and wait for the exit. */
  async stop(index: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<boolean> {
    const exited = this.slots[index].exited;
    if (!this.signal(index, signal)) return false;
    await exited;
    return true;
  }

  /** Stops every instance cleanly (SIGCONT first for a stopped one); kills what has not exited after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        if (!slot.proc) return;
        const exited = slot.exited;
        this.signal(slot.index, 'SIGCONT');
        this.signal(slot.index, 'SIGTERM');
        const timer = setTimeout(() => this.signal(slot.index, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
