/**
 * Every key the library writes. The claim key depends only on (prefix, job, occurrence), never on when or where a
 * timer fired, so all instances compete for the same key.
 */
export const claimKey = (prefix: string, jobName: string, occurrence: Date) =>
  `${prefix}:${jobName}:occurrence:${occurrence.toISOString()}`;

export const leaseKey = (prefix: string, jobName: string) => `${prefix}:${jobName}:running`;

export const pendingKey = (prefix: string, jobName: string) => `${prefix}:${jobName}:pending`;
