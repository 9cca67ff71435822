import { type TenantSettingsProvider } from '../../interfaces/index.js';
import { IdSet } from '../../common/id-set.js';
import { LocalTimeSchedule } from '../../definition/local-time-schedule.js';
import { DueZones } from './due-zones.js';
import { decideEligibility, listTenants, type ListedTenants, orderTenants, setApart } from './tenant-selection.js';

const ctx = { occurrence: new Date('2026-12-05T03:30:00Z') };

/** A listing as `listTenants` makes it. */
function listed(ids: string[]): ListedTenants {
  return { tenantIds: ids, known: new IdSet(ids) };
}

function settings(partial: Partial<TenantSettingsProvider>): TenantSettingsProvider {
  return { listTenants: () => [], isEnabled: () => true, ...partial };
}

/** A fixed sequence for shuffles, so orders are exact. */
const firstSlot = () => 0;

describe('listTenants', () => {
  it('keeps distinct non-empty string ids in listing order and counts the rest as invalid', async () => {
    const listed = await listTenants(
      settings({ listTenants: () => ['a', 'b', 'a', '', 7, null, 'c'] as never }),
      'job',
      ctx,
    );
    expect(listed).toMatchObject({ kind: 'listed', tenantIds: ['a', 'b', 'c'], invalid: ['', 7, null] });
    if (listed.kind !== 'listed') return;
    expect(listed.known.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => listed.known.has(id))).toEqual([true, true, true, false]);
  });

  it('uses an array of distinct valid ids as it is, and copies one only from the first id it drops', async () => {
    const clean = ['a', 'b', 'c'];
    const listed = await listTenants(settings({ listTenants: () => clean }), 'job', ctx);
    expect(listed.kind === 'listed' && listed.tenantIds).toBe(clean);
    const messy = ['a', 'b', 'b', 'c'];
    const dropped = await listTenants(settings({ listTenants: () => messy }), 'job', ctx);
    expect(dropped.kind === 'listed' && dropped.tenantIds).toEqual(['a', 'b', 'c']);
    expect(messy).toEqual(['a', 'b', 'b', 'c']);
  });

  it('accepts any iterable, sync or async', async () => {
    const listed = await listTenants(settings({ listTenants: async () => new Set(['x', 'y']) }), 'job', ctx);
    expect(listed).toMatchObject({ kind: 'listed', tenantIds: ['x', 'y'], invalid: [] });
  });

  it('fails, never throws, when the provider throws or returns something that is not iterable', async () => {
    const thrown = await listTenants(
      settings({
        listTenants: () => {
          throw new Error('directory down');
        },
      }),
      'job',
      ctx,
    );
    expect(thrown).toEqual({ kind: 'failed', error: new Error('directory down') });
    const notIterable = await listTenants(settings({ listTenants: () => 5 as never }), 'job', ctx);
    expect(notIterable.kind).toBe('failed');
  });
});

describe('listTenants: entries and local time', () => {
  it('takes { id, timeZone } entries beside plain ids, copying from the first entry', async () => {
    const mixed = ['a', { id: 'b', timeZone: 'UTC' }, 'c', { id: '' }, { timeZone: 'UTC' }];
    const listed = await listTenants(settings({ listTenants: () => mixed as never }), 'job', ctx);
    expect(listed).toMatchObject({ kind: 'listed', tenantIds: ['a', 'b', 'c'], unknownZones: [] });
    expect(listed.kind === 'listed' && listed.invalid).toEqual([{ id: '' }, { timeZone: 'UTC' }]);
  });

  it('for a local-time job keeps the tenants whose zone is due, tells the provider those zones, sets unknown zones apart', async () => {
    // 09:00 in Kolkata (+05:30) is 03:30Z; Kathmandu (+05:45) and the fallback zone (UTC) are not due then.
    const zones = new DueZones(LocalTimeSchedule.parse('0 9 * * *'), ctx.occurrence, 'UTC');
    expect(zones.timeZones).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Colombo']));
    expect(zones.timeZones).not.toContain('Asia/Kathmandu');
    expect(zones.fallbackDue).toBe(false);
    let told: unknown;
    const listed = await listTenants(
      settings({
        listTenants: (_job, context) => {
          told = context;
          return [
            { id: 'in', timeZone: 'Asia/Kolkata' },
            { id: 'np', timeZone: 'Asia/Kathmandu' },
            'plain',
            { id: 'bad', timeZone: 'Mars/Olympus' },
            { id: 'in-too', timeZone: 'Asia/Calcutta' },
          ];
        },
      }),
      'job',
      { ...ctx, timeZones: zones.timeZones },
      zones,
    );
    expect(told).toEqual({ ...ctx, timeZones: zones.timeZones });
    expect(listed).toMatchObject({
      kind: 'listed',
      tenantIds: ['in', 'in-too'],
      invalid: [],
      unknownZones: [{ tenantId: 'bad', timeZone: 'Mars/Olympus' }],
    });
  });
});

describe('setApart', () => {
  it('takes the given tenants out of the listing, in listing order, and leaves the rest', async () => {
    const listing = listed(['a', 'b', 'c', 'd']);
    expect(await setApart(listing, new IdSet(['d', 'b', 'x']))).toEqual(['b', 'd']);
    expect(listing.tenantIds).toEqual(['a', 'c']);
    expect(['a', 'b', 'c', 'd'].map((id) => listing.known.has(id))).toEqual([true, false, true, false]);
  });
});

describe('decideEligibility', () => {
  it('with filterEnabled: enabled as answered, the rest disabled in listing order, unlisted answers unknown', async () => {
    const decided = await decideEligibility(
      settings({ filterEnabled: async () => ['c', 'a', 'zz', 3 as never] }),
      'job',
      listed(['a', 'b', 'c', 'd']),
      2,
    );
    expect(decided).toEqual({
      kind: 'decided',
      enabled: ['c', 'a'],
      disabled: ['b', 'd'],
      undecided: [],
      unknown: ['zz', '3'],
    });
  });

  it('with filterEnabled: an id answered twice is enabled once and is not reported as unknown', async () => {
    const decided = await decideEligibility(
      settings({ filterEnabled: async () => ['a', 'a', 'b'] }),
      'job',
      listed(['a', 'b']),
      1,
    );
    expect(decided).toEqual({ kind: 'decided', enabled: ['a', 'b'], disabled: [], undecided: [], unknown: [] });
  });

  it('with filterEnabled: the provider is handed the listed ids as an array', async () => {
    let given: unknown;
    await decideEligibility(
      settings({
        filterEnabled: async (_job, ids) => {
          given = ids;
          return ids;
        },
      }),
      'job',
      listed(['a', 'b']),
      1,
    );
    expect(given).toEqual(['a', 'b']);
  });

  it('with filterEnabled: a throw or a non-array fails the whole decision', async () => {
    const thrown = await decideEligibility(
      settings({
        filterEnabled: async () => {
          throw new Error('flags down');
        },
      }),
      'job',
      listed(['a']),
      1,
    );
    expect(thrown).toEqual({ kind: 'failed', error: new Error('flags down') });
    const wrong = await decideEligibility(
      settings({ filterEnabled: async () => 'a' as never }),
      'job',
      listed(['a']),
      1,
    );
    expect(wrong).toMatchObject({ kind: 'failed', error: new TypeError('filterEnabled did not return an array') });
  });

  it('with isEnabled: a throw or a non-boolean leaves that tenant undecided, the others decided', async () => {
    const decided = await decideEligibility(
      settings({
        isEnabled: (_job, id) => {
          if (id === 'bad') throw new Error('no flag');
          if (id === 'odd') return 'yes' as never;
          return id !== 'off';
        },
      }),
      'job',
      listed(['on', 'off', 'bad', 'odd']),
      2,
    );
    expect(decided.kind).toBe('decided');
    if (decided.kind !== 'decided') return;
    expect(decided.enabled).toEqual(['on']);
    expect(decided.disabled).toEqual(['off']);
    expect(decided.undecided.map((u) => u.tenantId).sort()).toEqual(['bad', 'odd']);
    expect(String(decided.undecided.find((u) => u.tenantId === 'odd')?.error)).toMatch(/returned "yes"/);
  });
});

describe('orderTenants', () => {
  it('puts still-enabled pending tenants first, then the rest', async () => {
    const { order, pendingFirst } = await orderTenants(['a', 'b', 'c', 'd'], ['c', 'gone', 'a'], firstSlot);
    expect(new Set(order.slice(0, 2))).toEqual(new Set(['a', 'c']));
    expect(new Set(order.slice(2))).toEqual(new Set(['b', 'd']));
    expect(new Set(pendingFirst)).toEqual(new Set(['a', 'c']));
  });

  it('shuffles with the given random source', async () => {
    const { order, pendingFirst } = await orderTenants(['a', 'b', 'c'], undefined, firstSlot);
    // With random() = 0 every Fisher-Yates step swaps with slot 0: a,b,c -> c,a,b -> b,c,a.
    expect(order).toEqual(['b', 'c', 'a']);
    expect(pendingFirst).toEqual([]);
  });
});
