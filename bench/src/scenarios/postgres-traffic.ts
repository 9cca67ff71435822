import { Child, stopAll, type Message } from '../lib/children';
import { pastOccurrence } from '../lib/occurrences';
import { addCounts, type CommandCounts } from '../lib/redis';
import { mean } from '../lib/stats';
import { childScript, type ScenarioContext } from './context';

interface TriggerReply extends Message {
  instance: string;
  outcome: string;
  skipReason?: string;
}

interface Tally extends Message {
  instance: string;
  total: number;
  byKind: CommandCounts;
  connections: number;
}

export interface PostgresTrafficRep {
  winnerRoundTrips: number;
  loserRoundTrips: number;
  loserMaxRoundTrips: number;
  occurrencesWithoutExactlyOneWinner: number;
  outcomes: Record<string, number>;
}

export interface PostgresTrafficResult {
  reps: PostgresTrafficRep[];
  byKindWinner: CommandCounts;
  byKindLoser: CommandCounts;
  /** Connections the five pools opened while measured (a pool reopens one it closed after 10 s idle). */
  connectionsOpened: number;
  logLines: number;
}

/**
 * Figure 13: figure 4 on PostgreSQL. Five instances, each its own node-postgres pool, trigger the same occurrence at
 * once. Each instance counts the statements its pool's connections send (one `query` call is one round trip); after
 * every occurrence, once nothing is in flight, it reports them, so each occurrence's statements are charged to its
 * winner or its losers by their own reports.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, occurrences, reps, warmup = 3 }: { instances: number; occurrences: number; reps: number; warmup?: number },
): Promise<PostgresTrafficResult> {
  const url = await (await ctx.postgres()).database('ccbench_traffic');
  const keyPrefix = `${ctx.prefix}-f13`;
  const children: Child[] = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(
        new Child(childScript('coordinated-instance'), { args: ['contend', url, keyPrefix, `i${i}`, `${keyPrefix}-i${i}`], name: `pg-contend-i${i}` }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    let serial = 0;
    const contend = async (): Promise<{ replies: TriggerReply[]; tallies: Tally[] }> => {
      const occurrence = pastOccurrence(serial++).toISOString();
      const replies = await Promise.all(children.map((c) => c.request<TriggerReply>('trigger', { occurrence }, 30000)));
      const tallies = await Promise.all(children.map((c) => c.request<Tally>('tally', {}, 30000)));
      return { replies, tallies };
    };
    // The warm-up also carries each instance's boot (schema check, subscription) out of the counts.
    for (let w = 0; w < warmup; w++) await contend();
    const connectionsBefore = (await Promise.all(children.map((c) => c.request<Tally>('tally', {}, 30000)))).reduce((n, t) => n + t.connections, 0);
    ctx.log(`  postgres traffic: ${instances} instances ready`);

    const results: PostgresTrafficRep[] = [];
    const byKindWinner: CommandCounts = {};
    const byKindLoser: CommandCounts = {};
    let connectionsAfter = connectionsBefore;
    for (let rep = 0; rep < reps; rep++) {
      const winner: number[] = [];
      const loser: number[] = [];
      const outcomes: Record<string, number> = {};
      let bad = 0;
      for (let k = 0; k < occurrences; k++) {
        const { replies, tallies } = await contend();
        // Every instance at least sent its claim: a tally of nothing means the counter saw nothing.
        const silent = tallies.find((t) => t.total === 0);
        if (silent) throw new Error(`instance ${silent.instance} counted no statement for an occurrence it claimed`);
        let winners = 0;
        for (const r of replies) {
          const label = r.skipReason ? `${r.outcome}/${r.skipReason}` : r.outcome;
          outcomes[label] = (outcomes[label] ?? 0) + 1;
          const tally = tallies.find((t) => t.instance === r.instance) as Tally;
          if (r.outcome === 'completed') {
            winners++;
            winner.push(tally.total);
            addCounts(byKindWinner, tally.byKind);
          } else {
            loser.push(tally.total);
            addCounts(byKindLoser, tally.byKind);
          }
        }
        if (winners !== 1) bad++;
        connectionsAfter = tallies.reduce((n, t) => n + t.connections, 0);
      }
      results.push({
        winnerRoundTrips: mean(winner),
        loserRoundTrips: mean(loser),
        loserMaxRoundTrips: loser.length ? Math.max(...loser) : NaN,
        occurrencesWithoutExactlyOneWinner: bad,
        outcomes,
      });
      ctx.log(`  postgres traffic rep ${rep + 1}/${reps}: winner ${mean(winner).toFixed(2)}, loser ${mean(loser).toFixed(2)} statements per occurrence`);
    }
    return {
      reps: results,
      byKindWinner,
      byKindLoser,
      connectionsOpened: connectionsAfter - connectionsBefore,
      logLines: children.reduce((n, c) => n + c.stdoutLines, 0),
    };
  } finally {
    await stopAll(children);
  }
}
