/**
 * Supplies the tenants of `@PerTenant()` jobs and whether each job is enabled for each tenant. The app implements
 * it as an ordinary provider class and names it in the module option `tenantSettings`.
 */
export interface TenantSettingsProvider {
  /**
   * All candidate tenant ids for the job. An array is read in place, not copied (a million ids would be): return a
   * fresh one, or one you leave unchanged until the run has ended.
   */
  listTenants(jobName: string): Promise<Iterable<string>> | Iterable<string>;
  /** Whether the job runs for this tenant. */
  isEnabled(jobName: string, tenantId: string): Promise<boolean> | boolean;
  /**
   * Batch form of `isEnabled`, used instead of it when present: resolves the enabled subset. `tenantIds` is lent,
   * not copied (a million ids would be): read it or return it, but do not change it; a change spoils the report's
   * list of disabled tenants, nothing else.
   */
  filterEnabled?(jobName: string, tenantIds: string[]): Promise<string[]>;
}
