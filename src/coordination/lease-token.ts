/**
 * The token a run writes to its occurrence's claim and to the job's lease: `<instanceId>:<runId>`. Made and read here
 * only. The run id is a UUID (no colon); the instance id may hold colons (`host:pid`), so it is everything before the
 * last one.
 */
export function leaseToken(instanceId: string, runId: string): string {
  return `${instanceId}:${runId}`;
}

/** The instance and run a lease token names. */
export function parseLeaseToken(token: string): { instanceId: string; runId: string } {
  const cut = token.lastIndexOf(':');
  return cut < 0 ? { instanceId: '', runId: token } : { instanceId: token.slice(0, cut), runId: token.slice(cut + 1) };
}
