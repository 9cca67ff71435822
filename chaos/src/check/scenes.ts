import { HistoryBuilder } from './history-builder';
import { type Verdict } from './verdict';

/**
 * Small made-up scenes the checker's specs build on: two instances (i0.1 and i1.1, their clocks `offsets` ms off the
 * runner's), a fault planned and injected, both stopped cleanly at the end.
 */
export function fleet(
  b: HistoryBuilder,
  stopAt = 4500,
  offsets: Readonly<Record<string, number>> = {},
): HistoryBuilder {
  b.phases(0, stopAt - 500, stopAt + 500)
    .process('i0.1', 100, offsets['i0.1'])
    .process('i1.1', 101, offsets['i1.1'])
    .fault(1, 500, 'instance-pause', 'i1');
  for (const [id, pid] of [
    ['i0.1', 100],
    ['i1.1', 101],
  ] as const)
    b.signal(id, pid, stopAt, 'SIGTERM').exit(id, pid, stopAt + 100, 0, null);
  return b;
}

/** Tick `at` run once by `instance` (token `token`), and a duplicate from the other. */
export function ranOnce(b: HistoryBuilder, at: number, token: number, instance = 'i0.1'): HistoryBuilder {
  b.plainRun(instance, { runId: `r${at}`, occurrence: at, token, start: at + 50, end: at + 200 });
  return b.skip(instance === 'i0.1' ? 'i1.1' : 'i0.1', at + 60, at, 'duplicate');
}

/** Every due tick (1000, 2000, 3000) run once. */
export function healthy(): HistoryBuilder {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  ranOnce(b, 1000, 1);
  ranOnce(b, 2000, 2, 'i1.1');
  return ranOnce(b, 3000, 3);
}

export const failuresMatching = (v: Verdict, pattern: RegExp): string[] => v.failures.filter((f) => pattern.test(f));
