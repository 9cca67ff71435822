import { type History } from './history';
import { type Verdict } from './verdict';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const list = (record: Record<string, number>): string =>
  Object.entries(record)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

/** The human summary of a judged run; the caller prints the JSON line after it. */
export function formatSummary(h: History, v: Verdict): string {
  const x = v.figures;
  const lines: string[] = [];
  lines.push(`chaos run: ${x.store} (${h.storeLabel}), seed ${x.seed}, ${x.minutes} min of faults; library ${h.build}`);
  const total = Object.values(x.faults).reduce((a, b) => a + b, 0);
  const off = Object.entries(h.settings.faults.weights).filter(([, w]) => w === 0);
  const only = off.length > 0 ? ` [--faults left out: ${off.map(([k]) => k).join(', ')}]` : '';
  lines.push(
    `faults injected: ${total} (${list(x.faults)})${x.faultsSkipped ? `, ${x.faultsSkipped} skipped` : ''}${only}`,
  );
  for (const [name, j] of Object.entries(x.jobs)) {
    lines.push(
      `${name}: ${j.due} due; ran once ${j.ranOnce}, ran twice ${j.ranTwice}` +
        (j.ranTwice
          ? ` (${j.ranTwiceUnexplained} unexplained; ${j.supersededWrites.occurrences} with the superseded run writing after the takeover: ${j.supersededWrites.refused} write(s) refused, ${j.supersededWrites.accepted} accepted)`
          : '') +
        `; resumed ${j.resumed}, caught up ${j.caughtUp}; skipped ${list(j.skipped)}; lost ${j.lost}` +
        (Object.keys(j.untrueSkips).length ? `; skip reasons not borne out: ${list(j.untrueSkips)}` : '') +
        (j.lateWhileClaimed ? `; late answered while claimed: ${j.lateWhileClaimed}` : ''),
    );
  }
  const t = x.tenants;
  lines.push(
    `tenants over ${plural(t.occurrences, 'run occurrence')}: done once ${t.doneOnce}, done twice ${t.doneTwice} (${t.doneTwiceUnexplained} unexplained); ` +
      `undone: carried to a later run ${t.undone.carried}, reported ${t.undone.reported}, superseded ${t.undone.superseded}, fenced off ${t.undone.fenced}, lost ${t.undone.lost}`,
  );
  lines.push(
    `fencing: sink accepted ${x.fencing.accepted} and refused ${x.fencing.refused} write(s); tokens out of order ${x.fencing.order}, ` +
      `stale writes accepted ${x.fencing.staleAccepted}, newest run refused ${x.fencing.newestRefused}`,
  );
  lines.push(`runs started before their tick: ${x.early}`);
  lines.push(
    `processes: ${x.processes.started} instance processes started; unexpected exits ${x.processes.unexpectedExits}; unhandled rejections ${x.processes.unhandled}`,
  );
  if (v.ok) lines.push('verdict: PASS');
  else {
    lines.push(`verdict: FAIL (${plural(v.failures.length, 'finding')})`);
    for (const failure of v.failures) lines.push(`  - ${failure}`);
  }
  return lines.join('\n');
}
