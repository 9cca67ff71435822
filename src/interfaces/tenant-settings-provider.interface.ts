/**
 * Supplies the tenants of `@PerTenant()` jobs and whether each job is enabled for each tenant. The app implements
 * it as an ordinary provider class and names it in the module option `tenantSettings`.
 */
export interface TenantSettingsProvider {
  /**
   * All candidate tenants for the job: ids, or `{ id, timeZone }` entries (a `@PerTenant({ localTime: true })` job
   * runs each tenant by its zone's clock; other jobs ignore the zone). An array of ids is read in place, not copied
   * (a million ids would be): return a fresh one, or one you leave unchanged until the run has ended.
   */
  listTenants(
    jobName: string,
    context: ListTenantsContext,
  ): Promise<Iterable<string | TenantEntry>> | Iterable<string | TenantEntry>;
  /** Whether the job runs for this tenant. */
  isEnabled(jobName: string, tenantId: string): Promise<boolean> | boolean;
  /**
   * Batch form of `isEnabled`, used instead of it when present: resolves the enabled subset. `tenantIds` is lent,
   * not copied (a million ids would be): read it or return it, but do not change it; a change spoils the report's
   * list of disabled tenants, nothing else.
   */
  filterEnabled?(jobName: string, tenantIds: string[]): Promise<string[]>;
}

/** A tenant as `listTenants` may list it: with the IANA zone its local-time jobs run by. */
export interface TenantEntry {
  id: string;
  /** Default: the job window's `timeZone`, else the process's. */
  timeZone?: string;
}

/** What `listTenants` is told about the run it lists for. */
export interface ListTenantsContext {
  /** The occurrence being run. */
  occurrence: Date;
  /**
   * A local-time job: every name of every zone due at this instant, so a query can filter by it
   * (`WHERE time_zone = ANY($1)`); the library filters again whatever comes back. Absent for other jobs.
   */
  timeZones?: string[];
}
