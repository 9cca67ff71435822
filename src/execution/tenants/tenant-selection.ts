import { runPool } from '../../common/run-pool.js';
import { settle } from '../../common/settle.js';
import { forEachInTurns, shuffleInTurns } from '../../common/in-turns.js';
import { type TenantSettingsProvider } from '../../interfaces/index.js';

/** `listTenants`, read: distinct non-empty string ids; anything else is bad data, dropped and counted. */
export type TenantListing =
  { kind: 'listed'; tenantIds: string[]; invalid: unknown[] } | { kind: 'failed'; error: unknown };

/** A tenant whose eligibility could not be decided. */
export interface IneligibleTenant {
  tenantId: string;
  error: unknown;
}

/** The listed tenants split by eligibility, in listing order. */
export type Eligibility =
  | {
      kind: 'decided';
      enabled: string[];
      disabled: string[];
      /** `isEnabled` threw or answered something other than a boolean: failed, neither run nor skipped silently. */
      undecided: IneligibleTenant[];
      /** Ids `filterEnabled` returned that were never listed: ignored. */
      unknown: string[];
    }
  /** The batch `filterEnabled` threw or did not return an array: nothing can be decided. */
  | { kind: 'failed'; error: unknown };

export async function listTenants(settings: TenantSettingsProvider, jobName: string): Promise<TenantListing> {
  const listed = await settle(() => settings.listTenants(jobName));
  if (!listed.ok) return { kind: 'failed', error: listed.error };
  const ids = new Set<string>();
  const invalid: unknown[] = [];
  try {
    await forEachInTurns(listed.value as Iterable<unknown>, (id) => {
      if (typeof id === 'string' && id !== '') ids.add(id);
      else invalid.push(id);
    });
  } catch (error) {
    return { kind: 'failed', error };
  }
  return { kind: 'listed', tenantIds: [...ids], invalid };
}

/**
 * Asks the settings provider which listed tenants the job runs for: its batch `filterEnabled` when it has one,
 * else `isEnabled` per tenant with at most `concurrency` questions in flight.
 */
export async function decideEligibility(
  settings: TenantSettingsProvider,
  jobName: string,
  tenantIds: readonly string[],
  concurrency: number,
): Promise<Eligibility> {
  if (typeof settings.filterEnabled === 'function') {
    return filterInBatch(settings.filterEnabled.bind(settings), jobName, tenantIds);
  }
  const verdicts = new Map<string, boolean>();
  const undecided: IneligibleTenant[] = [];
  await runPool(
    tenantIds,
    concurrency,
    () => true,
    async (tenantId) => {
      const answer = await settle(() => settings.isEnabled(jobName, tenantId));
      if (answer.ok && typeof answer.value === 'boolean') verdicts.set(tenantId, answer.value);
      else {
        const error = answer.ok
          ? new TypeError(`isEnabled returned ${JSON.stringify(answer.value)}, expected true or false`)
          : answer.error;
        undecided.push({ tenantId, error });
      }
    },
  );
  const enabled: string[] = [];
  const disabled: string[] = [];
  await forEachInTurns(tenantIds, (id) => {
    const verdict = verdicts.get(id);
    if (verdict === true) enabled.push(id);
    else if (verdict === false) disabled.push(id);
  });
  return { kind: 'decided', enabled, disabled, undecided, unknown: [] };
}

async function filterInBatch(
  filterEnabled: NonNullable<TenantSettingsProvider['filterEnabled']>,
  jobName: string,
  tenantIds: readonly string[],
): Promise<Eligibility> {
  const filtered = await settle(() => filterEnabled(jobName, [...tenantIds]));
  if (!filtered.ok) return { kind: 'failed', error: filtered.error };
  if (!Array.isArray(filtered.value)) {
    return { kind: 'failed', error: new TypeError('filterEnabled did not return an array') };
  }
  // One set, of what the provider chose: a listed id found in it is enabled and taken out, so what is left over
  // afterwards was never listed. A million tenants cost one set of ids here, not two.
  const chosen = new Set<string>();
  const unknown: string[] = [];
  await forEachInTurns(filtered.value as unknown[], (id) => {
    if (typeof id === 'string') chosen.add(id);
    else unknown.push(String(id));
  });
  const enabled: string[] = [];
  const disabled: string[] = [];
  await forEachInTurns(tenantIds, (id) => (chosen.delete(id) ? enabled : disabled).push(id));
  for (const id of chosen) unknown.push(id);
  return { kind: 'decided', enabled, disabled, undecided: [], unknown };
}

/**
 * The order tenants start in: those an earlier run left pending (and still enabled) first, then the rest; each
 * group shuffled afresh, so a run cut short does not always leave the same tenants behind.
 */
export async function orderTenants(
  enabled: readonly string[],
  pending: readonly string[] | undefined,
  random: () => number = Math.random,
): Promise<{ order: string[]; pendingFirst: string[] }> {
  if (!pending || pending.length === 0) return { order: await shuffleInTurns([...enabled], random), pendingFirst: [] };
  const wasPending = new Set(pending);
  const first: string[] = [];
  const rest: string[] = [];
  await forEachInTurns(enabled, (id) => (wasPending.has(id) ? first : rest).push(id));
  await shuffleInTurns(first, random);
  await shuffleInTurns(rest, random);
  return { order: first.concat(rest), pendingFirst: first };
}
