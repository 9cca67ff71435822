'use strict';

const { commandStats, diffStats, addCounts } = require('./redis');
const { percentile } = require('./stats');

/** Median of each step across the winning runs (figure 6 only; BullMQ reports no steps). */
function summarisePhases(list) {
  if (list.length === 0) return null;
  const out = { samples: list.length };
  for (const key of Object.keys(list[0])) out[key] = percentile(list.map((p) => p[key]), 50);
  return out;
}

const wallNow = () => performance.timeOrigin + performance.now();

/** Resolves how late (ms) the wake-up came: on a VM that idles its vCPU this alone can be several ms. */
function sleepUntil(wallMs) {
  return new Promise((resolve) => setTimeout(() => resolve(wallNow() - wallMs), Math.max(0, wallMs - Date.now())));
}

/**
 * Watches instances that all serve one schedule ticking every `periodMs`, over `ticks` consecutive ticks cut into
 * `slices` equal repetitions. Traffic is cut around every tick: from `settleMs` after a tick to `guardMs` before
 * the next one nothing is due, so whatever the bench's connections send then is idle cost. Body starts arrive as
 * `start` messages ({ tick, at }) from the children.
 */
async function watchTicks({ tag, client, monitor, children, periodMs, ticks, slices, settleMs = 300, guardMs = 100, leadMs = 1500 }) {
  if (ticks % slices !== 0) throw new Error('ticks must split evenly into slices');
  for (const c of children) c.drain('start');
  const firstTick = Math.ceil((Date.now() + leadMs + guardMs) / periodMs) * periodMs;
  const tickTimes = Array.from({ length: ticks }, (_, k) => firstTick + k * periodMs);

  const sample = async (label) => {
    const segment = await monitor.mark(client, `${tag}-${label}`);
    const rttMs = monitor.lastMarkRttMs;
    return { at: Date.now(), rttMs, segment: monitor.account(segment), stats: await commandStats(client) };
  };

  await sleepUntil(firstTick - guardMs);
  const start = await sample('start');
  const active = [];
  const idle = [];
  for (const [k, t] of tickTimes.entries()) {
    await sleepUntil(t + settleMs);
    active.push(await sample(`a${k}`));
    const late = await sleepUntil(t + periodMs - guardMs);
    idle.push({ ...(await sample(`b${k}`)), wakeLateMs: late });
  }
  // Late IPC messages from the last tick.
  await new Promise((r) => setTimeout(r, 200));

  const starts = children.flatMap((c) => c.drain('start'));
  const byTick = new Map(tickTimes.map((t) => [t, []]));
  let outside = 0;
  for (const s of starts) {
    const list = byTick.get(s.tick);
    if (list) list.push(s);
    else outside++;
  }

  const perSlice = ticks / slices;
  const sliceResults = [];
  const allDelays = [];
  const winnerPhases = [];
  const totalByCommand = {};
  const idleByCommand = {};
  for (let j = 0; j < slices; j++) {
    const from = j * perSlice;
    const to = from + perSlice;
    const delays = [];
    let duplicates = 0;
    let misses = 0;
    let commands = 0;
    let idleCommands = 0;
    let idleMs = 0;
    let foreign = 0;
    for (let k = from; k < to; k++) {
      const runs = byTick.get(tickTimes[k]).slice().sort((a, b) => a.at - b.at);
      if (runs.length === 0) misses++;
      else {
        delays.push(runs[0].at - tickTimes[k]);
        if (runs[0].phases) winnerPhases.push(runs[0].phases);
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
    const serverWide = diffStats(sliceStart, idle[to - 1].stats).total;
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
      commandstatsDelta: serverWide,
    });
  }
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
    phases: summarisePhases(winnerPhases),
    idleWakeLateMs: {
      p50: percentile(idle.map((x) => x.wakeLateMs), 50),
      max: Math.max(...idle.map((x) => x.wakeLateMs)),
    },
    idleRoundTripMs: {
      p50: percentile(idle.map((x) => x.rttMs), 50),
      max: Math.max(...idle.map((x) => x.rttMs)),
    },
    windowMs: ticks * periodMs,
    firstTick,
    lastTick: tickTimes[tickTimes.length - 1],
  };
}

module.exports = { watchTicks, sleepUntil };
