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

  const starts = children.flatMap((c) => c.drain<StartMessage>('start'));
  const byTick = new Map<number, StartMessage[]>(tickTimes.map((t) => [t, []]));
  let outside = 0;
  for (const s of starts) {
    const list = byTick.get(s.tick);
    if (list) list.push(s);
    else outside++;
  }

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
      const runs = (byTick.get(tickTimes[k]) ?? []).slice().sort((a, b) => a.at - b.at);
      if (runs.length === 0) misses++;
      else {
        delays.push(runs[0].at - tickTimes[k]);
        duplicates += runs.length - 1;
      }
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
