import { runPool } from '../../common/run-pool.js';
import { settle } from '../../common/settle.js';
import { IdSet } from '../../common/id-set.js';
import { forEachInTurns, shuffleInTurns } from '../../common/in-turns.js';
import { type ListTenantsContext, type TenantSettingsProvider } from '../../interfaces/index.js';
import { type DueZones } from './due-zones.js';

/** Distinct listed ids, in listing order, and the same ids as a set to look them up in. */
export interface ListedTenants {
  tenantIds: string[];
  /** Made once, while deduplicating, and used by every later step instead of a set of its own. */
  known: IdSet;
}

/** A listed tenant whose zone no time zone database knows. */
export interface UnknownZone {
  tenantId: string;
  timeZone: string;
}

/**
 * `listTenants`, read: distinct non-empty string ids (plain, or the `id` of an entry); anything else is bad data,
 * dropped and counted. For a local-time job, only the tenants whose zone is due are kept; those whose zone is unknown
 * are set apart.
 */
export type TenantListing =
  | ({ kind: 'listed'; invalid: unknown[]; unknownZones: UnknownZone[] } & ListedTenants)
  | { kind: 'failed'; error: unknown };

/** A tenant whose eligibility could not be decided. */
export interface IneligibleTenant {
  tenantId: string;
  error: unknown;
}

/** The listed tenants split by eligibility. */
export type Eligibility =
  | {
      kind: 'decided';
      /** In the order the provider answered (`filterEnabled`) or listed them (`isEnabled`); shuffled later anyway. */
      enabled: string[];
      /** In listing order. */
      disabled: string[];
      /** `isEnabled` threw or answered something other than a boolean: failed, neither run nor skipped silently. */
      undecided: IneligibleTenant[];
      /** Ids `filterEnabled` returned that were never listed: ignored. */
      unknown: string[];
    }
  /** The batch `filterEnabled` threw or did not return an array: nothing can be decided. */
  | { kind: 'failed'; error: unknown };

export async function listTenants(
  settings: TenantSettingsProvider,
  jobName: string,
  context: ListTenantsContext,
  zones?: DueZones,
): Promise<TenantListing> {
  const listed = await settle(() => settings.listTenants(jobName, context));
  if (!listed.ok) return { kind: 'failed', error: listed.error };
  const known = new IdSet();
  const source = listed.value as Iterable<unknown>;
  // An array of distinct valid ids (the usual answer) is used as it is: a copy of a million ids is 8 MB of fresh
  // memory, which took about 25 ms to touch in one step on the machine the bench runs on. A copy is made only at
  // the first entry that is not such an id (invalid, repeated, not due, or an `{ id, timeZone }` entry), of the ids
  // before it, and grows as the pass goes on.
  let kept: string[] | undefined = Array.isArray(source) ? undefined : [];
  let index = 0;
  const invalid: unknown[] = [];
  const unknownZones: UnknownZone[] = [];
  try {
    await forEachInTurns(source, (item) => {
      const entry = typeof item === 'object' && item !== null;
      const id = entry ? (item as { id?: unknown }).id : item;
      let keep = typeof id === 'string' && id !== '';
      if (!keep) invalid.push(item);
      else if (zones) {
        const zone = entry ? (item as { timeZone?: unknown }).timeZone : undefined;
        const verdict = zone === undefined ? zones.verdict(undefined) : zones.verdict(String(zone));
        if (verdict === 'unknown-zone') unknownZones.push({ tenantId: id as string, timeZone: String(zone) });
        keep = verdict === 'due';
      }
      if (keep && known.add(id as string)) {
        if (entry) kept ??= (source as string[]).slice(0, index);
        kept?.push(id as string);
      } else kept ??= (source as string[]).slice(0, index);
      index++;
    });
  } catch (error) {
    return { kind: 'failed', error };
  }
  const tenantIds = kept ?? (source as string[]);
  return { kind: 'listed', tenantIds, known, invalid, unknownZones };
}

/**
 * Takes the listed tenants that are in `apart` out of `listed` (its ids and its set) and returns them, in listing
 * order: tenants paused one by one, say.
 */
export async function setApart(listed: ListedTenants, apart: IdSet): Promise<string[]> {
  const taken: string[] = [];
  const rest: string[] = [];
  await forEachInTurns(listed.tenantIds, (id) => {
    if (apart.has(id)) {
      taken.push(id);
      listed.known.delete(id);
    } else rest.push(id);
  });
  if (taken.length > 0) listed.tenantIds = rest;
  return taken;
}

/**
 * Asks the settings provider which listed tenants the job runs for: its batch `filterEnabled` when it has one,
 * else `isEnabled` per tenant with at most `concurrency` questions in flight. `listed.known` is used up.
 */
export async function decideEligibility(
  settings: TenantSettingsProvider,
  jobName: string,
  listed: ListedTenants,
  concurrency: number,
): Promise<Eligibility> {
  if (typeof settings.filterEnabled === 'function') {
    return filterInBatch(settings.filterEnabled.bind(settings), jobName, listed);
  }
  const { tenantIds } = listed;
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
  { tenantIds, known }: ListedTenants,
): Promise<Eligibility> {
  const filtered = await settle(() => filterEnabled(jobName, tenantIds));
  if (!filtered.ok) return { kind: 'failed', error: filtered.error };
  if (!Array.isArray(filtered.value)) {
    return { kind: 'failed', error: new TypeError('filterEnabled did not return an array') };
  }
  // The set of listed ids doubles as the record of what is still undecided: an id the provider chose is taken out
  // of it once, so it cannot be enabled twice, and the listed ids still in it afterwards were not chosen.
  const enabled: string[] = [];
  let unmatched: unknown[] = [];
  await forEachInTurns(filtered.value as unknown[], (id) => {
    if (typeof id === 'string' && known.delete(id)) enabled.push(id);
    else unmatched.push(id);
  });
  if (unmatched.length > 0) {
    // Bad answers only: an id chosen twice is not "unlisted". This set is built only on this path.
    const chosen = new IdSet(enabled);
    unmatched = unmatched.filter((id) => typeof id !== 'string' || !chosen.has(id));
  }
  const disabled: string[] = [];
  await forEachInTurns(tenantIds, (id) => {
    if (known.has(id)) disabled.push(id);
  });
  return { kind: 'decided', enabled, disabled, undecided: [], unknown: unmatched.map(String) };
}

/**
 * The order tenants start in: those an earlier run left pending (and still enabled) first, then the rest; each
 * group shuffled afresh, so a run cut short does not always leave the same tenants behind.
 */
export async function orderTenants(
  enabled: string[],
  pending: readonly string[] | undefined,
  random: () => number = Math.random,
): Promise<{ order: string[]; pendingFirst: string[] }> {
  // Shuffled in place: the caller hands its list over, and a million ids are not copied for it.
  if (!pending || pending.length === 0) return { order: await shuffleInTurns(enabled, random), pendingFirst: [] };
  const wasPending = new IdSet(pending);
  const first: string[] = [];
  const rest: string[] = [];
  await forEachInTurns(enabled, (id) => (wasPending.has(id) ? first : rest).push(id));
  await shuffleInTurns(first, random);
  await shuffleInTurns(rest, random);
  return { order: first.concat(rest), pendingFirst: first };
}
