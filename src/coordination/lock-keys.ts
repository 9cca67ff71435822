/**
 * Every key the library writes. The claim key depends only on (prefix, job, occurrence), never on when or where a
 * timer fired, so all instances compete for the same key.
 */
export const claimKey = (prefix: string, jobName: string, occurrence: Date) =>
  `${prefix}:${jobName}:occurrence:${occurrence.toISOString()}`;

export const leaseKey = (prefix: string, jobName: string) => `${prefix}:${jobName}:running`;

export const pendingKey = (prefix: string, jobName: string) => `${prefix}:${jobName}:pending`;

// --- Fleet control (pause, history, progress). These share the job's hash tag `{jobName}`, so that a claim script
// that reads the pause key and a cluster that shards by tag keep one job's keys on one slot.

/** Holds the JSON pause record while the job is paused; expires by itself at `until`. */
export const pausedKey = (prefix: string, jobName: string) => `${prefix}:{${jobName}}:paused`;

/** Capped list of the job's recent run reports (JSON), newest first, written by every instance. */
export const historyKey = (prefix: string, jobName: string) => `${prefix}:{${jobName}}:history`;

/** Hash with the progress of the run in progress: runId, instanceId, startedAt, done, total. */
export const progressKey = (prefix: string, jobName: string) => `${prefix}:{${jobName}}:progress`;
