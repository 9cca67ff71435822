/**
 * Every key the Redis store writes. The claim key depends only on (prefix, job, occurrence), never on when or where a
 * timer fired, so all instances compete for the same key.
 *
 * Every per-job key carries the job name as a hash tag (`{job}`): on a Redis Cluster they all live in one slot, so
 * one script may read and write several of them (claim, lease, pause, fence, ledger) atomically.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  private key(job: string, kind: string): string {
    return `${this.prefix}:{${job}}:${kind}`;
  }

  /** The occurrence's claim (who won it). */
  occurrence(job: string, occurrence: Date): string {
    return this.key(job, `occurrence:${occurrence.toISOString()}`);
  }

  /** The job's running lease. */
  lease(job: string): string {
    return this.key(job, 'running');
  }

  /** The job's fencing counter: the last token handed out. */
  fence(job: string): string {
    return this.key(job, 'fence');
  }

  /** The job's run ledger (a hash): the newest occurrence it claimed, who runs it, and whether that run finished. */
  ledger(job: string): string {
    return this.key(job, 'ledger');
  }

  /** Tenants an occurrence's run has finished. The claim script builds the same name beside the ledger key. */
  progress(job: string, occurrence: Date): string {
    return this.key(job, `progress:${occurrence.toISOString()}`);
  }

  /** Tenants of an occurrence waiting for another try (a hash: tenant id to tries so far). */
  retries(job: string, occurrence: Date): string {
    return this.key(job, `retries:${occurrence.toISOString()}`);
  }

  /** The occurrence to run once the lease is free (`buffer-one`, `cancel-running`). */
  queued(job: string): string {
    return this.key(job, 'queued');
  }

  /** Present while the lease's run is asked to stop (`cancel-running`); its value is the replacing occurrence (ms). */
  cancel(job: string): string {
    return this.key(job, 'cancel');
  }

  /** Failed tenants of the newest occurrences that had failures (a hash: occurrence ms to a JSON record). */
  failed(job: string): string {
    return this.key(job, 'failed');
  }

  /** Tenants the last interrupted run left undone. */
  pending(job: string): string {
    return this.key(job, 'pending');
  }

  /** Present while the job is paused; its value is the pause record. */
  paused(job: string): string {
    return this.key(job, 'paused');
  }

  /** Capped list of the job's recent run reports (JSON), newest first, written by every instance. */
  history(job: string): string {
    return this.key(job, 'history');
  }

  /** The run in progress (JSON), for describe(). */
  runStatus(job: string): string {
    return this.key(job, 'run-status');
  }

  /** The tenants paused for the job (a hash: tenant id to `<until>|<record>`). */
  tenantPauses(job: string): string {
    return this.key(job, 'tenant-pauses');
  }

  /** The job's schedule override, its version and when it changed (a hash). */
  schedule(job: string): string {
    return this.key(job, 'schedule');
  }

  /** The pub/sub channel of this prefix's signals (a changed schedule). */
  get signals(): string {
    return `${this.prefix}:signals`;
  }
}
