import { Child, stopAll, type Message } from '../lib/children';
import { pastOccurrence } from '../lib/occurrences';
import { addCounts, commandStats, diffStats, type CommandCounts } from '../lib/redis';
import { mean } from '../lib/stats';
import { childScript, type ScenarioContext } from './context';


interface TriggerReply extends Message {
  instance: string;
  outcome: string;
  skipReason?: string;
}

export interface TrafficRep {
  winnerCommandsPerOccurrence: number;
  loserCommandsPerOccurrence: number;
  /** The same occurrences in round trips: a script call is one, whatever it runs inside. */
  winnerSentPerOccurrence: number;
  loserSentPerOccurrence: number;
  loserMaxCommands: number;
  totalPerOccurrence: number;
  commandstatsPerOccurrence: number;
  foreignCommands: number;
  unattributedCommands: number;
  occurrencesWithoutExactlyOneWinner: number;
  outcomes: Record<string, number>;
}

export interface TrafficResult {
  reps: TrafficRep[];
  byCommandWinner: CommandCounts;
  byCommandLoser: CommandCounts;
  namedConnections: number;
  logLines: number;
}

/**
 * Figure 4: five instances trigger the same occurrence at once, 50 occurrences per repetition. Each occurrence is a
 * MONITOR segment, so every command is charged to the instance whose connection sent it (or whose script ran it),
 * and that instance is the winner or a loser of that occurrence by its own report.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, occurrences, reps, warmup = 3 }: { instances: number; occurrences: number; reps: number; warmup?: number },
): Promise<TrafficResult> {
  const monitor = ctx.monitor;
  if (!monitor) throw new Error('figure 4 needs the monitor');
  const keyPrefix = `${ctx.prefix}-f4`;
  const children: Child[] = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(
        new Child(childScript('coordinated-instance'), {
          args: ['contend', ctx.url, keyPrefix, `i${i}`, `${ctx.prefix}-f4-i${i}`],
          name: `contend-i${i}`,
        }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    const instanceOf = new Map<string, string>();
    // An instance's connection can show up in CLIENT LIST without its name for a moment after it reports ready; its
    // commands would then count for nobody (and its wins as zero-command wins), so look again until every one is named.
    for (const deadline = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 100))) {
      for (const [addr, name] of await monitor.learnNamedClients(ctx.client)) {
        const m = /-f4-(i\d+)$/.exec(name);
        if (m) instanceOf.set(addr, m[1]);
      }
      if (new Set(instanceOf.values()).size >= instances || Date.now() > deadline) break;
    }
    ctx.log(`  traffic: ${instances} instances ready (${instanceOf.size} named connections)`);

    let serial = 0;
    const contend = (): Promise<TriggerReply[]> => {
      const occurrence = pastOccurrence(serial++).toISOString();
      return Promise.all(children.map((c) => c.request<TriggerReply>('trigger', { occurrence }, 30000)));
    };
    for (let w = 0; w < warmup; w++) await contend();

    const results: TrafficRep[] = [];
    const byCommandWinner: CommandCounts = {};
    const byCommandLoser: CommandCounts = {};
    for (let rep = 0; rep < reps; rep++) {
      await monitor.mark(ctx.client, `f4-r${rep}-start`);
      const stats0 = await commandStats(ctx.client);
      const winnerCounts: number[] = [];
      const loserCounts: number[] = [];
      const winnerSent: number[] = [];
      const loserSent: number[] = [];
      const outcomes: Record<string, number> = {};
      let unattributed = 0;
      let foreign = 0;
      let monitored = 0;
      let badOccurrences = 0;
      for (let k = 0; k < occurrences; k++) {
        const replies = await contend();
        const segment = monitor.account(await monitor.mark(ctx.client, `f4-r${rep}-o${k}`));
        foreign += segment.foreign;
        monitored += segment.total;
        const perInstance = new Map(children.map((_, i) => [`i${i + 1}`, { total: 0, sent: 0, byCommand: {} as CommandCounts }]));
        for (const [addr, entry] of segment.byAddr) {
          const acc = perInstance.get(instanceOf.get(addr) ?? '');
          if (!acc) {
            unattributed += entry.total;
            continue;
          }
          acc.total += entry.total;
          acc.sent += entry.sent;
          addCounts(acc.byCommand, entry.byCommand);
        }
        let winners = 0;
        for (const r of replies) {
          const label = r.skipReason ? `${r.outcome}/${r.skipReason}` : r.outcome;
          outcomes[label] = (outcomes[label] ?? 0) + 1;
          const counted = perInstance.get(r.instance) ?? { total: 0, sent: 0, byCommand: {} };
          if (r.outcome === 'completed') {
            winners++;
            winnerCounts.push(counted.total);
            winnerSent.push(counted.sent);
            addCounts(byCommandWinner, counted.byCommand);
          } else {
            loserCounts.push(counted.total);
            loserSent.push(counted.sent);
            addCounts(byCommandLoser, counted.byCommand);
          }
        }
        if (winners !== 1) badOccurrences++;
      }
      await monitor.mark(ctx.client, `f4-r${rep}-end`);
      const serverWide = diffStats(stats0, await commandStats(ctx.client)).total;
      results.push({
        winnerCommandsPerOccurrence: mean(winnerCounts),
        loserCommandsPerOccurrence: mean(loserCounts),
        winnerSentPerOccurrence: mean(winnerSent),
        loserSentPerOccurrence: mean(loserSent),
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
