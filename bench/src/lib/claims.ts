import { randomUUID } from 'node:crypto';
import type { ClaimRequest, LockStore } from 'nestjs-coordinated-cron';
import { pastOccurrence } from './occurrences';
import { percentile } from './stats';

/** One repetition of a claim comparison: the library's store against a bare write of the same shape. */
export interface PairedRep {
  libP50Us: number;
  rawP50Us: number;
  libP99Us: number;
  rawP99Us: number;
  p50Ratio: number;
  p99Ratio: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The claims a store is timed on: one job, a fresh occurrence each time, its previous run finished (untimed) in
 * between, so that every claim is won and finds the job's lease free, as a job's claims do from one tick to the next.
 * A claim lives a millisecond, so the next claim finds the one before it expired, as a job's claim does once its next
 * window has opened: a store that drops expired claims as it passes does so once a claim, not for thousands.
 */
export class StoreClaims {
  private serial = 0;
  private readonly token = `bench:${randomUUID()}`;

  constructor(
    private readonly store: LockStore,
    private readonly job: string,
  ) {}

  /** Times one won claim (ms); the finish that frees the lease for the next one is not timed. */
  async timedClaim(): Promise<number> {
    const occurrence = pastOccurrence(this.serial++);
    const runId = randomUUID();
    const request: ClaimRequest = {
      job: this.job,
      occurrence,
      token: this.token,
      runId,
      owner: 'bench',
      ttls: { claimUntil: occurrence, claimMinMs: 1, leaseMs: 30_000, ledgerMs: 400 * DAY_MS },
    };
    const t0 = performance.now();
    const answer = await this.store.claim(request);
    const dt = performance.now() - t0;
    if (answer.kind !== 'won') throw new Error(`${this.store.kind} claim of a fresh occurrence answered ${answer.kind}`);
    await this.store.finish({ job: this.job, occurrence, runId, token: this.token });
    return dt;
  }
}

/**
 * `n` pairs of one library claim and one raw write, interleaved one for one and alternating which goes first, so that
 * neither always runs on a freshly woken socket; each side's p50 and p99, and their ratios.
 */
export async function pairedRound(n: number, lib: () => Promise<number>, raw: () => Promise<number>): Promise<PairedRep> {
  const libMs = new Float64Array(n);
  const rawMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      libMs[i] = await lib();
      rawMs[i] = await raw();
    } else {
      rawMs[i] = await raw();
      libMs[i] = await lib();
    }
  }
  const [libP50, rawP50, libP99, rawP99] = [percentile(libMs, 50), percentile(rawMs, 50), percentile(libMs, 99), percentile(rawMs, 99)];
  return {
    libP50Us: libP50 * 1000,
    rawP50Us: rawP50 * 1000,
    libP99Us: libP99 * 1000,
    rawP99Us: rawP99 * 1000,
    p50Ratio: libP50 / rawP50,
    p99Ratio: libP99 / rawP99,
  };
}
