import { type Child, type Message } from './children';
import { type AccountedSegment, type Monitor } from './monitor';
import { addCounts, commandStats, diffStats, type CommandCounts, type RedisClient } from './redis';
import { percentile } from './stats';

/** What an instance reports when a job body starts: the tick it ran for and the wall clock at the body's start. */
export interface StartMessage extends Message {
  type: 'start';
  instance: string;
  tick: number;
  at: number;
}

export interface SliceResult {
  ticks: number;
  p50Ms: number;
  p99Ms: number;
  duplicates: number;
  misses: number;
  commands: number;
  commandsPerOccurrence: number;
  idleCommands: number;
  idleSeconds: number;
  idleCommandsPerSec: number;
  foreignCommands: number;
  commandstatsDelta: number;
}

export interface WindowResult {
  slices: SliceResult[];
  /** The same instances' latency over as many ticks again with MONITOR detached (see `watchStarts`). */
  unobserved?: UnobservedResult;
  pooled: { ticks: number; p50Ms: number; p99Ms: number; maxMs: number; startsOutsideWindow: number };
  totalByCommand: CommandCounts;
  idleByCommand: CommandCounts;
  idleWakeLateMs: { p50: number; max: number };
  idleRoundTripMs: { p50: number; max: number };
  windowMs: number;
  firstTick: number;
  lastTick: number;
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Resolves how late (ms) the wake-up came: on a VM that idles its vCPU this alone can be several ms. */
export function sleepUntil(wallMs: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(wallNow() - wallMs), Math.max(0, wallMs - Date.now())));
}

interface Sample {
  at: number;
  rttMs: number;
  segment: AccountedSegment;
  stats: Map<string, number>;
}

/**
 * Watches instances that all serve one schedule ticking every `periodMs`, over `ticks` consecutive ticks cut into
 * `slices` equal repetitions. Traffic is cut around every tick: from `settleMs` after a tick to `guardMs` before
 * the next one nothing is due, so whatever the bench's connections send then is idle cost. Body starts arrive as
 * `start` messages from the children.
 */
export async function watchTicks(opts: {
  tag: string;
  client: RedisClient;
  monitor: Monitor;
  children: readonly Child[];
  periodMs: number;
  ticks: number;
  slices: number;
  settleMs?: number;
  guardMs?: number;
  leadMs?: number;
}): Promise<WindowResult> {
  const { tag, client, monitor, children, periodMs, ticks, slices, settleMs = 300, guardMs = 100, leadMs = 1500 } = opts;
  if (ticks % slices !== 0) throw new Error('ticks must split evenly into slices');
  for (const c of children) c.drain('start');
  const firstTick = Math.ceil((Date.now() + leadMs + guardMs) / periodMs) * periodMs;
  const tickTimes = Array.from({ length: ticks }, (_, k) => firstTick + k * periodMs);

  const sample = async (label: string): Promise<Sample> => {
    const segment = await monitor.mark(client, `${tag}-${label}`);
    const rttMs = monitor.lastMarkRttMs;
    return { at: Date.now(), rttMs, segment: monitor.account(segment), stats: await commandStats(client) };
  };

  await sleepUntil(firstTick - guardMs);
  const start = await sample('start');
  const active: Sample[] = [];
  const idle: Array<Sample & { wakeLateMs: number }> = [];
  for (const [k, t] of tickTimes.entries()) {
    await sleepUntil(t + settleMs);
    active.push(await sample(`a${k}`));
    const late = await sleepUntil(t + periodMs - guardMs);
    idle.push({ ...(await sample(`b${k}`)), wakeLateMs: late });
  }
  // Late IPC messages from the last tick.
  await new Promise((r) => setTimeout(r, 200));

  const { byTick, outside } = startsByTick(children, tickTimes);

  const perSlice = ticks / slices;
  const sliceResults: SliceResult[] = [];
  const allDelays: number[] = [];
  const totalByCommand: CommandCounts = {};
  const idleByCommand: CommandCounts = {};
  for (let j = 0; j < slices; j++) {
    const from = j * perSlice;
    const to = from + perSlice;
    const delays: number[] = [];
    let duplicates = 0;
    let misses = 0;
    let commands = 0;
    let idleCommands = 0;
    let idleMs = 0;
    let foreign = 0;
    for (let k = from; k < to; k++) {
      const tick = tickOutcome(byTick, tickTimes[k]);
      if (tick.delayMs === undefined) misses++;
      else delays.push(tick.delayMs);
      duplicates += tick.duplicates;
      // Segment `a_k` ends settleMs after tick k and starts where the idle segment before it ended.
      commands += active[k].segment.total + idle[k].segment.total;
      idleCommands += idle[k].segment.total;
      foreign += active[k].segment.foreign + idle[k].segment.foreign;
      idleMs += idle[k].at - active[k].at;
      addCounts(totalByCommand, active[k].segment.byCommand);
      addCounts(totalByCommand, idle[k].segment.byCommand);
      addCounts(idleByCommand, idle[k].segment.byCommand);
    }
    const sliceStart = j === 0 ? start.stats : idle[from - 1].stats;
    allDelays.push(...delays);
    sliceResults.push({
      ticks: perSlice,
      p50Ms: percentile(delays, 50),
      p99Ms: percentile(delays, 99),
      duplicates,
      misses,
      commands,
      commandsPerOccurrence: commands / perSlice,
      idleCommands,
      idleSeconds: idleMs / 1000,
      idleCommandsPerSec: idleCommands / (idleMs / 1000),
      foreignCommands: foreign,
      commandstatsDelta: diffStats(sliceStart, idle[to - 1].stats).total,
    });
  }
  const spread = (values: number[]): { p50: number; max: number } => ({ p50: percentile(values, 50), max: Math.max(...values) });
  return {
    slices: sliceResults,
    pooled: {
      ticks,
      p50Ms: percentile(allDelays, 50),
      p99Ms: percentile(allDelays, 99),
      maxMs: allDelays.length ? Math.max(...allDelays) : NaN,
      startsOutsideWindow: outside,
    },
    totalByCommand,
    idleByCommand,
    idleWakeLateMs: spread(idle.map((x) => x.wakeLateMs)),
    idleRoundTripMs: spread(idle.map((x) => x.rttMs)),
    windowMs: ticks * periodMs,
    firstTick,
    lastTick: tickTimes[tickTimes.length - 1],
  };
}

/** The children's `start` messages, by the tick they ran for; starts for any other tick are counted apart. */
function startsByTick(children: readonly Child[], tickTimes: readonly number[]) {
  const byTick = new Map<number, StartMessage[]>(tickTimes.map((t) => [t, []]));
  let outside = 0;
  for (const s of children.flatMap((c) => c.drain<StartMessage>('start'))) {
    const list = byTick.get(s.tick);
    if (list) list.push(s);
    else outside++;
  }
  return { byTick, outside };
}

/** The first body start of a tick (its latency) and how many more started for the same tick. */
function tickOutcome(byTick: Map<number, StartMessage[]>, tick: number): { delayMs?: number; duplicates: number } {
  const runs = (byTick.get(tick) ?? []).slice().sort((a, b) => a.at - b.at);
  return runs.length === 0 ? { duplicates: 0 } : { delayMs: runs[0].at - tick, duplicates: runs.length - 1 };
}

export interface UnobservedResult {
  slices: Array<{ ticks: number; p50Ms: number; p99Ms: number; duplicates: number; misses: number }>;
  pooled: { ticks: number; p50Ms: number; p99Ms: number; maxMs: number };
}

/**
 * Body-start latency alone, over `ticks` more ticks with nothing watching Redis: MONITOR makes Redis format every
 * command it runs (a script's body and each command inside it) for the monitoring connection, and the harness parse
 * it, at the very moment the instances claim. Same children, same slicing as {@link watchTicks}.
 */
export async function watchStarts(opts: {
  children: readonly Child[];
  periodMs: number;
  ticks: number;
  slices: number;
  leadMs?: number;
}): Promise<UnobservedResult> {
  const { children, periodMs, ticks, slices, leadMs = 1500 } = opts;
  for (const c of children) c.drain('start');
  const firstTick = Math.ceil((Date.now() + leadMs) / periodMs) * periodMs;
  const tickTimes = Array.from({ length: ticks }, (_, k) => firstTick + k * periodMs);
  await sleepUntil(tickTimes[ticks - 1] + periodMs / 2);
  const { byTick } = startsByTick(children, tickTimes);
  const perSlice = ticks / slices;
  const all: number[] = [];
  const out: UnobservedResult['slices'] = [];
  for (let j = 0; j < slices; j++) {
    const delays: number[] = [];
    let duplicates = 0;
    let misses = 0;
    for (let k = j * perSlice; k < (j + 1) * perSlice; k++) {
      const tick = tickOutcome(byTick, tickTimes[k]);
      if (tick.delayMs === undefined) misses++;
      else delays.push(tick.delayMs);
      duplicates += tick.duplicates;
    }
    all.push(...delays);
    out.push({ ticks: perSlice, p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99), duplicates, misses });
  }
  return {
    slices: out,
    pooled: { ticks, p50Ms: percentile(all, 50), p99Ms: percentile(all, 99), maxMs: all.length ? Math.max(...all) : NaN },
  };
}
