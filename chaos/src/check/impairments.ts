import { type History } from './history';

/**
 * A stretch of time during which an instance or the store could not do its part: what can make a lease lapse, a
 * run be taken over, or a store forget its last writes. Derived from the signals the runner sent, never from the
 * fault plan, so a fault that was planned but not carried out explains nothing.
 */
export interface Impairment {
  /** An instanceId, or 'store'. */
  target: string;
  kind: 'killed' | 'stopped' | 'stopping' | 'store-stopped' | 'store-restarted';
  from: number;
  to: number;
  /**
   * A store restart that can lose acknowledged writes: a crash of a store that may lose its last writes (Redis with
   * fsync every second), or any restart without persistence.
   */
  losesWrites?: boolean;
}

const END = Number.POSITIVE_INFINITY;

export function impairments(h: History): Impairment[] {
  const out: Impairment[] = [];
  const exitAt = (target: string, pid: number, after: number): number =>
    h.exits.find((e) => e.target === target && e.pid === pid && e.at >= after)?.at ?? END;
  const stopped = new Map<string, number>();
  for (const s of h.signals) {
    const key = `${s.target}:${s.pid}`;
    if (s.target === 'store') {
      if (s.signal === 'SIGSTOP') stopped.set(key, s.at);
      else if (s.signal === 'SIGCONT' && stopped.has(key)) {
        out.push({ target: 'store', kind: 'store-stopped', from: stopped.get(key) as number, to: s.at });
        stopped.delete(key);
      } else if (s.signal !== 'SIGCONT') {
        // SIGKILL, or PostgreSQL's immediate shutdown (SIGQUIT): a crash. SIGTERM, or its fast shutdown (SIGINT): clean.
        const crash = s.signal === 'SIGKILL' || s.signal === 'SIGQUIT';
        const up = h.storeUps.find((at) => at > s.at) ?? END;
        out.push({
          target: 'store',
          kind: 'store-restarted',
          from: s.at,
          to: up,
          losesWrites: !h.persistence || (crash && h.crashLossMs > 0),
        });
      }
      continue;
    }
    switch (s.signal) {
      case 'SIGSTOP':
        stopped.set(key, s.at);
        break;
      case 'SIGCONT':
        if (stopped.has(key))
          out.push({ target: s.target, kind: 'stopped', from: stopped.get(key) as number, to: s.at });
        stopped.delete(key);
        break;
      case 'SIGKILL':
        out.push({ target: s.target, kind: 'killed', from: s.at, to: END });
        break;
      case 'SIGTERM':
        out.push({ target: s.target, kind: 'stopping', from: s.at, to: exitAt(s.target, s.pid, s.at) });
        break;
    }
  }
  // Stopped and never continued: impaired to the end.
  for (const [key, from] of stopped) {
    const target = key.slice(0, key.lastIndexOf(':'));
    out.push({ target, kind: target === 'store' ? 'store-stopped' : 'stopped', from, to: END });
  }
  return out.sort((a, b) => a.from - b.from);
}

/** Impairments of `target` (an instance or 'store') that overlap [from, to]. */
export function overlapping(list: readonly Impairment[], target: string, from: number, to: number): Impairment[] {
  return list.filter((i) => i.target === target && i.from <= to && i.to >= from);
}
