/**
 * Every key the library writes. The claim key depends only on (prefix, job, occurrence), never on when or where a
 * timer fired, so all instances compete for the same key.
 *
 * Every per-job key carries the job name as a hash tag (`{job}`): on a Redis Cluster they all live in one slot, so
 * one script may read and write several of them (claim, lease, pause, fence, ledger) atomically.
 */
const jobKey = (prefix: string, jobName: string, kind: string) => `${prefix}:{${jobName}}:${kind}`;

export const claimKey = (prefix: string, jobName: string, occurrence: Date) =>
  jobKey(prefix, jobName, `occurrence:${occurrence.toISOString()}`);

export const leaseKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'running');

export const pendingKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'pending');

/** Present while the job is paused; the claim reads it (its value and expiry are written by whoever pauses). */
export const pausedKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'paused');

// --- run ledger, fencing and crash resume -------------------------------------------------------------------------

/** The job's fencing counter: incremented by every claim a run wins, never reset while the job is in use. */
export const fenceKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'fence');

/** The job's run ledger: the newest occurrence it claimed, who runs it, and whether that run finished. */
export const ledgerKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'ledger');

/** Tenants the ledger's occurrence has finished, so a resumed run does not run them again. */
export const progressKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'progress');

/** Every key one claim script touches, in the order the stores expect them. */
export interface OccurrenceKeys {
  paused: string;
  occurrence: string;
  lease: string;
  fence: string;
  ledger: string;
  progress: string;
}

export const occurrenceKeys = (prefix: string, jobName: string, occurrence: Date): OccurrenceKeys => ({
  paused: pausedKey(prefix, jobName),
  occurrence: claimKey(prefix, jobName, occurrence),
  lease: leaseKey(prefix, jobName),
  fence: fenceKey(prefix, jobName),
  ledger: ledgerKey(prefix, jobName),
  progress: progressKey(prefix, jobName),
});

// --- fleet control: history and the progress shown by describe() ----------------------------------------------------

/** Capped list of the job's recent run reports (JSON), newest first, written by every instance. */
export const historyKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'history');

/** Hash with the counts of the run in progress (runId, instanceId, startedAt, done, total), for describe(). */
export const runStatusKey = (prefix: string, jobName: string) => jobKey(prefix, jobName, 'run-status');
