'use strict';

const path = require('node:path');
const { Child, stopAll } = require('../lib/children');
const { commandStats, diffStats, addCounts } = require('../lib/redis');

const INSTANCE = path.join(__dirname, '..', 'children', 'coordinated-instance.js');
// Far from any real tick of the job's schedule; the claim keys live under the run's prefix, so they are unique.
const BASE_OCCURRENCE = Date.UTC(2031, 0, 1);

function mean(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/**
 * Figure 4: five instances trigger the same occurrence at once, 50 occurrences per repetition. Each occurrence is a
 * MONITOR segment, so every command is charged to the instance whose connection sent it (or whose script ran it),
 * and that instance is the winner or a loser of that occurrence by its own report.
 */
async function run(ctx, { instances, occurrences, reps, warmup = 3 }) {
  const keyPrefix = `${ctx.prefix}-f4`;
  const children = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(
        new Child(INSTANCE, {
          args: ['contend', ctx.url, keyPrefix, `i${i}`, `${ctx.prefix}-f4-i${i}`],
          name: `contend-i${i}`,
        }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    const named = await ctx.monitor.learnNamedClients(ctx.client);
    const instanceOf = new Map();
    for (const [addr, name] of named) {
      const m = /-f4-(i\d+)$/.exec(name);
      if (m) instanceOf.set(addr, m[1]);
    }
    ctx.log(`  traffic: ${instances} instances ready (${instanceOf.size} named connections)`);

    let serial = 0;
    const contend = async () => {
      const occurrence = new Date(BASE_OCCURRENCE + serial++ * 60000).toISOString();
      const replies = await Promise.all(children.map((c) => c.request('trigger', { occurrence }, 'trigger:done', 30000)));
      return replies;
    };
    for (let w = 0; w < warmup; w++) await contend();

    const results = [];
    const byCommandWinner = {};
    const byCommandLoser = {};
    for (let rep = 0; rep < reps; rep++) {
      await ctx.monitor.mark(ctx.client, `f4-r${rep}-start`);
      const stats0 = await commandStats(ctx.client);
      const winnerCounts = [];
      const loserCounts = [];
      const outcomes = {};
      let unattributed = 0;
      let foreign = 0;
      let monitored = 0;
      let badOccurrences = 0;
      for (let k = 0; k < occurrences; k++) {
        const replies = await contend();
        const segment = ctx.monitor.account(await ctx.monitor.mark(ctx.client, `f4-r${rep}-o${k}`));
        foreign += segment.foreign;
        monitored += segment.total;
        const perInstance = new Map(children.map((_, i) => [`i${i + 1}`, { total: 0, byCommand: {} }]));
        for (const [addr, entry] of segment.byAddr) {
          const inst = instanceOf.get(addr);
          if (!inst) {
            unattributed += entry.total;
            continue;
          }
          const acc = perInstance.get(inst);
          acc.total += entry.total;
          addCounts(acc.byCommand, entry.byCommand);
        }
        let winners = 0;
        for (const r of replies) {
          const label = r.skipReason ? `${r.outcome}/${r.skipReason}` : r.outcome;
          outcomes[label] = (outcomes[label] || 0) + 1;
          const counted = perInstance.get(r.instance);
          if (r.outcome === 'completed') {
            winners++;
            winnerCounts.push(counted.total);
            addCounts(byCommandWinner, counted.byCommand);
          } else {
            loserCounts.push(counted.total);
            addCounts(byCommandLoser, counted.byCommand);
          }
        }
        if (winners !== 1) badOccurrences++;
      }
      await ctx.monitor.mark(ctx.client, `f4-r${rep}-end`);
      const stats1 = await commandStats(ctx.client);
      const serverWide = diffStats(stats0, stats1).total;
      results.push({
        winnerCommandsPerOccurrence: mean(winnerCounts),
        loserCommandsPerOccurrence: mean(loserCounts),
        loserMaxCommands: loserCounts.length ? Math.max(...loserCounts) : NaN,
        totalPerOccurrence: monitored / occurrences,
        commandstatsPerOccurrence: serverWide / occurrences,
        foreignCommands: foreign,
        unattributedCommands: unattributed,
        occurrencesWithoutExactlyOneWinner: badOccurrences,
        outcomes,
      });
    }
    return {
      reps: results,
      byCommandWinner,
      byCommandLoser,
      namedConnections: instanceOf.size,
      logLines: children.reduce((n, c) => n + c.stdoutLines, 0),
    };
  } finally {
    await stopAll(children);
  }
}

module.exports = { run };
